import Foundation
import PaperboyTestSupport
import Testing

/// A command's failure goes through the one exit mapping: one line
/// `paperboy: <message>` on stderr, nothing on stdout, and its code; what
/// ArgumentParser reports (usage errors) stays its own.
struct FailureExitTests {
    @Test func aMissingConfigPrintsOneLineAndExits78() throws {
        let directory = try TestPaths.temporaryDirectory()
        let config = directory.appendingPathComponent("missing.yaml").path
        let result = try runPaperboy(["subscriber", "list", "--config", config])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "paperboy: \(config): the config file does not exist; pass --config PATH or set PAPERBOY_CONFIG; deploy/paperboy.yaml is an example\n")
    }

    @Test func aRefusedChangePrintsOneLineAndExits65() throws {
        let s = try TestSetup()
        let result = try s.run(["subscriber", "remove", "nobody@example.org"])
        #expect(result.status == 65)
        #expect(result.stderr.components(separatedBy: "paperboy: ").count == 2, "said once: \(result.stderr)")
        #expect(result.stderr.hasPrefix("paperboy: no subscriber has the address nobody@example.org"), "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\n") && result.stderr.dropLast().contains("\n") == false, "one line: \(result.stderr)")
    }

    @Test func aDatabaseThatCannotBeOpenedExits78() throws {
        let (config, _) = try writeConfig("""
            database: no-such-folder/paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            """)
        let result = try runPaperboy(["subscriber", "list", "--config", config])
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("paperboy: database "), "\(result.stderr)")
        #expect(result.stderr.contains("no-such-folder/paperboy.sqlite: the folder "), "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "\n").count == 2, "one line: \(result.stderr)")
    }

    @Test func aUsageErrorIsStillArgumentParsers() throws {
        let result = try runPaperboy(["subscriber", "list", "--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
        #expect(!result.stderr.contains("paperboy: "), "\(result.stderr)")
    }
}
