import ArgumentParser
import Foundation
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

    /// Opens the configured database, or exits 78 saying why not (75 when it is busy).
    func openStore(_ config: PaperboyConfig, readOnly: Bool = false) throws -> Store {
        do {
            return try StoreOpening.open(config, readOnly: readOnly)
        } catch let error as StoreError {
            throw CLIFailure(error.exitMessage(at: .start), exitCode: error.exitStatus(at: .start))
        } catch {
            throw CLIFailure("\(error)", exitCode: .config)
        }
    }

    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .error
        return logger
    }
}

/// A failure the user can act on: printed to stderr as one line
/// (`paperboy: <message>`), then the process exits with its code.
struct CLIFailure: Error, CustomStringConvertible, HasExitStatus {
    var message: String
    var exitCode: ExitStatus

    init(_ message: String, exitCode: ExitStatus) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }

    func exitStatus(at stage: FailureStage) -> ExitStatus { exitCode }
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
