import Curl
import PaperboyCore
import PaperboyStore

/// Exit codes, following sysexits.h.
public enum ExitStatus: Int32, Sendable {
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case software = 70
    case temporaryFailure = 75
    case config = 78
}

/// When an error stopped a process: while it set up (read the config, opened
/// the database, built the daemon) or while it worked. A database that
/// cannot be opened is a setup problem (78), one that fails mid-command is
/// not (70); busy is temporary (75) at either stage.
public enum FailureStage: Sendable {
    case start
    case work
}

/// An error that knows the exit status it stops a process with, and the
/// line that says what to do. Every command and `paperboy run` exit through
/// `ExitStatus.of(_:at:)`, so an error keeps its code from where it is
/// thrown (the store, the config reader, a listener) to the process exit.
public protocol HasExitStatus: Error {
    /// The sysexits code when this error stops a process at `stage`.
    func exitStatus(at stage: FailureStage) -> ExitStatus
    /// The one line to print (what is wrong and what to do); defaults to the description.
    func exitMessage(at stage: FailureStage) -> String
}

extension HasExitStatus {
    public func exitMessage(at stage: FailureStage) -> String { "\(self)" }
}

extension ExitStatus {
    /// The one mapping from an error to its exit status and message; nil for
    /// an error that has none (ArgumentParser's `ExitCode`, `ValidationError`,
    /// help; anything else ArgumentParser reports as it always did).
    public static func of(_ error: any Error, at stage: FailureStage) -> (status: ExitStatus, message: String)? {
        guard let error = error as? any HasExitStatus else { return nil }
        return (error.exitStatus(at: stage), error.exitMessage(at: stage))
    }

    /// The status for a process that exits whatever the error (`paperboy
    /// run`): `of(_:at:)`'s, else a setup problem at start (78) and a
    /// software error once working (70).
    public static func exiting(_ error: any Error, at stage: FailureStage) -> ExitStatus {
        of(error, at: stage)?.status ?? (stage == .start ? .config : .software)
    }
}

/// A config that does not load: 78, naming the file and the key.
extension ConfigError: HasExitStatus {
    public func exitStatus(at stage: FailureStage) -> ExitStatus { .config }
}

/// Templates, link secrets or the DKIM key are not usable: 78.
extension MailSetupError: HasExitStatus {
    public func exitStatus(at stage: FailureStage) -> ExitStatus { .config }
}

/// The database: busy is temporary (75, try again); otherwise not usable at
/// start (78: fix the path or its permissions) or failed mid-command (70).
extension StoreError: HasExitStatus {
    public func exitStatus(at stage: FailureStage) -> ExitStatus {
        if isTemporary { return .temporaryFailure }
        return stage == .start ? .config : .software
    }

    public func exitMessage(at stage: FailureStage) -> String {
        switch (stage, isTemporary) {
        case (.start, _):
            return description
        case (.work, true):
            // Every change is one transaction: nothing was committed.
            return "the database is busy (another process holds its write lock); nothing changed, try again in a moment"
        case (.work, false):
            // The store's own words: the file, what failed, what to check.
            return description
        }
    }
}

/// The return mailbox: down or slow is temporary (75, the next poll tries
/// again); refused credentials, TLS, a missing folder or impossible settings
/// are the config's (78).
extension MailboxError: HasExitStatus {
    public func exitStatus(at stage: FailureStage) -> ExitStatus {
        switch kind {
        case .cannotConnect, .timeout, .messageGone, .protocolError, .tooLarge: .temporaryFailure
        case .tls, .loginRefused, .noSuchFolder, .invalidSettings: .config
        }
    }
}
