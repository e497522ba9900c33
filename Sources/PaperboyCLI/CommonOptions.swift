import ArgumentParser
import Foundation
import GRDB
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// Options every command that reads the config takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The config file (default: $PAPERBOY_CONFIG, else /etc/paperboy/paperboy.yaml).", valueName: "PATH"))
    var config: String?

    @Flag(name: .shortAndLong, help: "Log each step to stderr.")
    var verbose = false

    /// The config path in effect: --config, else $PAPERBOY_CONFIG, else the default.
    var configPath: String { Self.resolve(config) }

    /// `given`, else $PAPERBOY_CONFIG, else /etc/paperboy/paperboy.yaml.
    static func resolve(_ given: String?) -> String {
        if let given { return given }
        if let env = ProcessInfo.processInfo.environment["PAPERBOY_CONFIG"], !env.isEmpty { return env }
        return "/etc/paperboy/paperboy.yaml"
    }

    /// Reads and validates the config file, or exits 78 saying what is wrong.
    func loadConfig() throws -> PaperboyConfig {
        do {
            return try ConfigFile.load(configPath)
        } catch {
            throw CLIFailure("\(error)", exitCode: .config)
        }
    }

    /// Opens the configured database, or exits 78 saying why not.
    func openStore(_ config: PaperboyConfig, readOnly: Bool = false) throws -> Store {
        do {
            return readOnly ? try Store(readOnlyPath: config.database) : try Store(path: config.database)
        } catch {
            throw CLIFailure("\(error)", exitCode: error.isTemporary ? .temporaryFailure : .config)
        }
    }

    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .error
        return logger
    }
}

/// Exit codes, following sysexits.h.
enum ExitStatus: Int32 {
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case software = 70
    case temporaryFailure = 75
    case config = 78
}

/// A failure the user can act on: printed to stderr as one line, then exit with its code.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: ExitStatus

    init(_ message: String, exitCode: ExitStatus) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning a `CLIFailure` into its message on stderr and its exit code.
    func reportingFailures(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("paperboy: \(failure.message)\n".utf8))
            throw ExitCode(failure.exitCode.rawValue)
        } catch let error as DatabaseError {
            // A database problem in the middle of a command: nothing was
            // committed (every change is one transaction).
            let busy = error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            let message = busy
                ? "the database is busy (another process holds its write lock); nothing changed, try again in a moment"
                : "database error: \(error.message ?? "\(error)"); nothing changed. Check the disk and the database file's permissions"
            FileHandle.standardError.write(Data("paperboy: \(message)\n".utf8))
            throw ExitCode(busy ? ExitStatus.temporaryFailure.rawValue : ExitStatus.software.rawValue)
        }
    }
}

/// Writes a line to standard output.
func say(_ line: String) {
    print(line)
}

/// Writes a note to standard error, prefixed `paperboy: `, so that standard
/// output stays machine-readable.
func sayError(_ line: String) {
    FileHandle.standardError.write(Data("paperboy: \(line)\n".utf8))
}

/// `--at TIME`: the moment a command plans or explains for.
struct MomentOption: ParsableArguments {
    @Option(help: ArgumentHelp("The moment, ISO 8601 such as 2026-11-30T08:01:00Z (default: now).", valueName: "TIME"))
    var at: String?

    func validate() throws {
        if let at, FeedDate.parse(at) == nil {
            throw ValidationError("--at \"\(at)\" is not a time; use ISO 8601 such as 2026-11-30T08:01:00Z")
        }
    }

    /// The moment given, else now (`CommandClock`).
    func moment() throws -> Date {
        if let given = at.flatMap(FeedDate.parse) { return given }
        return try CommandClock.now()
    }
}
