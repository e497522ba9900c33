import Foundation
import PaperboyPipeline

/// "Now" for every command: the system clock, or the moment in
/// `PAPERBOY_NOW` running forward from the start of the process (see
/// `ProcessClock`). Commands never read the system time themselves.
enum CommandClock {
    private static let clock: Result<any DaemonClock, ProcessClockError> = Result { () throws(ProcessClockError) in try ProcessClock.make() }

    /// The current moment, or a usage failure (exit 64) when `PAPERBOY_NOW` is not a time.
    static func now() throws -> Date {
        switch clock {
        case .success(let clock): return clock.now()
        case .failure(let error): throw CLIFailure(error.message, exitCode: .usage)
        }
    }

    /// The clock itself, for `paperboy run`.
    static func daemonClock() throws -> any DaemonClock {
        switch clock {
        case .success(let clock): return clock
        case .failure(let error): throw CLIFailure(error.message, exitCode: .usage)
        }
    }
}
