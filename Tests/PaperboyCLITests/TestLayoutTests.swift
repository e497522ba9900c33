import Foundation
import PaperboyTestSupport
import Testing

/// The Core and Store tests run anywhere: no Python, no SMTP server, no
/// fixture HTTP server, no `paperboy` binary. Tests that need those live in
/// the Curl, Pipeline, Daemon and CLI targets. The one server the Store
/// tests start is the engine they test: PostgreSQL, through
/// `StoreEngine.makeStore()` (the test process's own `PostgresServer`);
/// Core tests start none.
struct TestLayoutTests {
    /// What starts a process or a server from the test support target.
    static let outsideHelpers = ["runPaperboy(", "runTool(", "PythonHelper(", "SMTPSink(", "AioSMTPServer(", "DovecotServer(", "FixtureServer",
                                 "TestPaths.python", "TestPaths.supportDirectory", "Process()"]

    static func uses(in target: String) throws -> [String] {
        try uses(of: outsideHelpers, in: target)
    }

    static func uses(of helpers: [String], in target: String) throws -> [String] {
        let folder = TestPaths.testsDirectory.appendingPathComponent(target)
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for helper in helpers where text.contains(helper) { found.append("\(target)/\(name): \(helper)") }
        }
        return found
    }

    @Test(arguments: ["PaperboyCoreTests", "PaperboyStoreTests"])
    func pureTargetsStartNoProcessAndNoServer(target: String) throws {
        let found = try Self.uses(in: target) + (target == "PaperboyCoreTests" ? try Self.uses(of: ["PostgresServer", "StoreEngine"], in: target) : [])
        #expect(found.isEmpty, "move these tests to the Pipeline, Daemon or CLI test target: \(found)")
    }

    @Test func theScanSeesAProcess() throws {
        #expect(try Self.uses(in: "PaperboyCLITests").contains { $0.contains("runPaperboy(") })
    }
}
