import ArgumentParser
import Logging

/// The `--log-level` of `paperboy run`: the least important events logged.
enum LogLevel: String, CaseIterable, ExpressibleByArgument, Sendable {
    case trace, debug, info, notice, warning, error, critical

    /// Without `--log-level`.
    static let standard = LogLevel.info

    /// The option's help: every level, and the default (argument-parser
    /// does not show the default of an option parsed with a transform).
    static var help: String {
        "Least important events logged: \(names). (default: \(standard.rawValue))"
    }

    /// "trace, debug, info, notice, warning, error, critical".
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// swift-log's level of the same name.
    var level: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }

    /// Parses `--log-level`; the error names the value and every level
    /// (argument-parser prints it after "The value ... is invalid", exit 64).
    static func parse(_ text: String) throws -> LogLevel {
        guard let level = LogLevel(rawValue: text) else {
            throw ValidationError("--log-level \"\(text)\" is not a level; use one of \(names)")
        }
        return level
    }
}
