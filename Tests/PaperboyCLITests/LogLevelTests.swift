@testable import PaperboyCLI
import Testing

/// `run --log-level`: a typed level, mapped to swift-log's.
@Suite struct LogLevelTests {
    @Test(arguments: LogLevel.allCases)
    func eachLevelIsSwiftLogsLevelOfTheSameName(level: LogLevel) throws {
        #expect(level.level.rawValue == level.rawValue)
        #expect(try RunCommand.parse(["--log-level", level.rawValue]).logLevel == level)
    }

    @Test func infoIsTheDefaultAndAnUnknownLevelIsRefusedNamingTheLevels() throws {
        #expect(try RunCommand.parse([]).logLevel == .info)
        #expect(LogLevel.allCases.map(\.rawValue) == ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        // The help names every level and the default, as it did when the option was a string.
        #expect(RunCommand.helpMessage(columns: 1000).contains(
            "Least important events logged: trace, debug, info, notice, warning, error, critical. (default: info)"))
        do {
            _ = try RunCommand.parse(["--log-level", "loud"])
            Issue.record("--log-level loud was accepted")
        } catch {
            let message = RunCommand.message(for: error)
            #expect(message.contains("--log-level \"loud\" is not a level; use one of trace, debug, info, notice, warning, error, critical"), "\(message)")
            #expect(RunCommand.exitCode(for: error).rawValue == 64)
        }
    }
}
