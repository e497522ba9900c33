import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// No test depends on the hour or the day it runs: outside `WallClock.swift`,
/// nothing under Tests/ reads the wall clock, and outside the clock itself
/// nothing under Sources/ does either (a command or a service takes "now"
/// from `ProcessClock` / an injected `DaemonClock`).
struct WallClockScanTests {
    /// The two spellings of "the wall clock now", built so this file does not match itself.
    static let patterns = ["Date" + "()", "Date" + ".now", "Date" + "(timeIntervalSinceNow"]

    /// Files that may read the wall clock, each with the reason.
    static let allowedInSources: [String: String] = [
        "PaperboyPipeline/ProcessClock.swift": "SystemDaemonClock is the wall clock every other part is handed",
        "PaperboyDaemon/JournalLogHandler.swift": "the timestamp of a log line outside the journal",
        "PaperboyDaemon/BlockingPool.swift": "how long an idle thread waits for work before it ends (NSCondition takes a Date); decides no result",
        "Curl/SMTPTransport.swift": "how long a connection holds a message's final dot while the outcome before it is recorded (NSCondition takes a Date); decides no result",
        "PaperboyStore/WALCheckpointer.swift": "how long the checkpoint thread waits between two checkpoints (NSCondition takes a Date); decides no result",
        "PaperboyStore/Postgres/PostgresEngine.swift": "how long a store call waits for a free PostgreSQL connection before it says the database is busy (NSCondition takes a Date); decides no result",
        "PaperboyPipeline/PlanningFeed.swift": "how long the sender waits for the planner's next rows before it looks again (NSCondition takes a Date); decides no result",
    ]

    static func uses(under root: URL, relativeTo base: URL) throws -> [String] {
        var found: [String] = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            let relative = String(file.path.dropFirst(base.path.count + 1))
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if patterns.contains(where: { line.contains($0) }) {
                    found.append("\(relative):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return found.sorted()
    }

    @Test func testsReadTheWallClockOnlyInWallClockSwift() throws {
        let tests = TestPaths.testsDirectory
        let offending = try Self.uses(under: tests, relativeTo: tests).filter { !$0.hasPrefix("PaperboyTestSupport/WallClock.swift:") }
        #expect(offending.isEmpty, """
            These lines read the wall clock; take the moment from TestTime, a ManualDaemonClock or PAPERBOY_NOW, \
            a deadline from ContinuousClock, or add a function to WallClock.swift that says why it is harmless:
            \(offending.joined(separator: "\n"))
            """)
    }

    @Test func sourcesReadTheWallClockOnlyThroughTheClock() throws {
        let sources = TestPaths.projectRoot.appendingPathComponent("Sources")
        let offending = try Self.uses(under: sources, relativeTo: sources).filter { line in
            // Benchmarks measure time; they decide no result.
            !line.hasPrefix("paperboy-bench/") && !Self.allowedInSources.keys.contains { line.hasPrefix($0 + ":") }
        }
        #expect(offending.isEmpty, """
            These lines read the wall clock; take "now" from the injected clock (ProcessClock, DaemonClock, CommandClock):
            \(offending.joined(separator: "\n"))
            """)
    }

    @Test func theScanFindsAWallClockRead() throws {
        // The scan itself can fail: a file with a wall-clock read is found.
        let directory = try TestPaths.temporaryDirectory()
        try "let t = \(Self.patterns[0])\nlet u = 1\n".write(to: directory.appendingPathComponent("X.swift"), atomically: true, encoding: .utf8)
        #expect(try Self.uses(under: directory, relativeTo: directory) == ["X.swift:1: let t = \(Self.patterns[0])"])
    }
}

/// `PAPERBOY_NOW`: the CLI's and the daemon's injected clock.
struct ProcessClockTests {
    @Test func commandsTakeNowFromPaperboyNow() throws {
        let s = try TestSetup()
        try s.run(["subscriber", "add", "ada@example.org", "--schedule", "daily 09:00 UTC"],
                  environment: [ProcessClock.variable: "2026-03-02T10:00:00Z"]).expectSuccess()
        let subscriber = try #require(try s.subscribers().first)
        let created = subscriber.createdAt.timeIntervalSince(try #require(FeedDate.parse("2026-03-02T10:00:00Z")))
        #expect(created >= 0 && created < 5, "subscribed at the moment in PAPERBOY_NOW (plus the command's run time)")
        // The next digest is worked out from the same moment.
        let show = try s.run(["subscriber", "show", "ada@example.org"], environment: [ProcessClock.variable: "2026-03-02T10:00:00Z"])
        #expect(show.stdout.contains("next digest: 2026-03-03 09:00Z"), "\(show.stdout)")
    }

    @Test func aBadPaperboyNowIsAUsageErrorNamingTheVariable() throws {
        let s = try TestSetup()
        let result = try s.run(["subscriber", "add", "ada@example.org"], environment: [ProcessClock.variable: "yesterday"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("PAPERBOY_NOW \"yesterday\" is not a time; use ISO 8601"), "\(result.stderr)")
        #expect(try s.subscribers().isEmpty, "nothing changed")
    }

    @Test func theShiftedClockStartsAtTheMomentAndRunsForward() async throws {
        let start = try #require(FeedDate.parse("2026-11-30T08:59:58Z"))
        let clock = try ProcessClock.make(environment: [ProcessClock.variable: "2026-11-30T08:59:58Z"])
        let first = clock.now()
        #expect(first >= start && first < start.addingTimeInterval(1))
        try await clock.sleep(until: first.addingTimeInterval(0.05))
        #expect(clock.now() >= first.addingTimeInterval(0.05))
        #expect(try ProcessClock.make(environment: [:]) is SystemDaemonClock)
    }
}

/// Files the CLI creates hold subscribers' addresses: nobody but the owner and the group reads them.
struct PrivateFileModeTests {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0o7777
    }

    @Test func theDatabaseAndTheExportAreNotWorldReadable() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let s = try TestSetup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        let database = s.directory.appendingPathComponent("paperboy.sqlite").path
        #expect(Self.mode(database) == 0o640)
        // While a connection is open, SQLite's -wal and -shm take the database's mode.
        let store = try s.store()
        try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "bob@example.org")), at: TestTime.now)
        #expect(Self.mode(database + "-wal") == 0o640, "the WAL is as private as the database")
        #expect(Self.mode(database + "-shm") == 0o640)
        let export = s.directory.appendingPathComponent("subscribers.yaml").path
        try s.run(["subscriber", "export", "--output", export]).expectSuccess()
        #expect(Self.mode(export) == 0o640)
        #expect(try String(contentsOfFile: export, encoding: .utf8).contains("ada@example.org"))
        // A file the operator made keeps its mode when exported over.
        chmod(export, 0o600)
        try s.run(["subscriber", "export", "--output", export]).expectSuccess()
        #expect(Self.mode(export) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.directory.path).allSatisfy { !$0.hasSuffix(".tmp") }, "no temporary file left")
    }

    @Test func anExportIntoAMissingFolderSaysWhichPath() throws {
        let s = try TestSetup()
        let result = try s.run(["subscriber", "export", "--output", s.directory.appendingPathComponent("no/such/list.yaml").path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("cannot write \(s.directory.path)/no/such/list.yaml: No such file or directory"), "\(result.stderr)")
    }
}
