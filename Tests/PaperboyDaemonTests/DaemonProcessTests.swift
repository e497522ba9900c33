import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy run` as a process, with a feed server and smtp-sink on 127.0.0.1.
@Suite(.serialized) struct DaemonProcessTests {
    /// A running `paperboy run`, its stderr in a file.
    final class DaemonProcess {
        let process = Process()
        let stderrFile: URL

        init(config: String, environment: [String: String], stderrPath: String? = nil) throws {
            stderrFile = stderrPath.map(URL.init(fileURLWithPath:))
                ?? URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("daemon.err")
            if stderrPath == nil { FileManager.default.createFile(atPath: stderrFile.path, contents: nil) }
            process.executableURL = TestPaths.paperboyBinary
            process.arguments = ["run", "--config", config]
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "PAPERBOY_CONFIG")
            env.removeValue(forKey: "JOURNAL_STREAM")
            // The daemon's clock starts at the tests' fixed moment unless the test names another.
            env[ProcessClock.variable] = TestTime.nowText
            for (key, value) in environment { env[key] = value }
            process.environment = env
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: stderrFile)
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// The exit status, or nil if it still runs after `seconds`.
        func waitForExit(seconds: Double) -> Int32? {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
            return process.isRunning ? nil : process.terminationStatus
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    func messageCount(_ sink: SMTPSink) -> Int {
        let text = (try? String(contentsOf: sink.dumpFile, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\nX-Client-Addr: ").count - 1 + (text.hasPrefix("X-Client-Addr: ") ? 1 : 0)
    }

    @Test func theDigestArrivesOnTimeAndTheDaemonReloadsAndStops() async throws {
        let sink = try SMTPSink()
        let feed = FixtureServer.shared.url("/fixtures/hf-daily-papers.json")
        let httpPort = try LoopbackPort.free()
        let adminPort = try LoopbackPort.free()
        let yaml = """
            database: paperboy.sqlite
            sources: [{name: hf, type: huggingface, url: "\(feed)", interval: 1h}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            http: {listen: "127.0.0.1:\(httpPort)", admin_listen: "127.0.0.1:\(adminPort)"}
            smtp: {url: "\(sink.url)", tls: none}
            shutdown_timeout: 10s
            """
        let (config, directory) = try writeConfig(yaml)
        // Subscribed the day before (TestTime.now); the daemon's clock starts
        // 15 seconds before the subscriber's 09:00 (PAPERBOY_NOW), so the digest
        // is due a few seconds after the daemon started, whatever the real time.
        let add = try runPaperboy(["subscriber", "add", "ada@example.org", "--schedule", "daily 09:00 UTC", "--config", config])
        #expect(add.status == 0, "\(add.stderr)")

        let notifyLog = directory.appendingPathComponent("notify.log").path
        let notify = try PythonHelper(script: "notify_socket.py", arguments: [directory.appendingPathComponent("notify").path, notifyLog])
        _ = notify
        let daemon = try DaemonProcess(config: config, environment: [
            "PAPERBOY_SECRET": DaemonHarness.secret,
            "NOTIFY_SOCKET": directory.appendingPathComponent("notify").path,
            "WATCHDOG_USEC": "2000000",
            ProcessClock.variable: "2026-11-30T08:59:45Z",
        ])
        func notified() -> String { (try? String(contentsOfFile: notifyLog, encoding: .utf8)) ?? "" }
        #expect(waitFor(30) { notified().contains("READY=1") }, "no READY=1; stderr: \(daemon.stderr)")
        let health = try await httpRequest("GET", "http://127.0.0.1:\(adminPort)/healthz")
        #expect(health.status == 200, "\(health.body)")
        #expect(try await httpRequest("GET", "http://127.0.0.1:\(httpPort)/healthz").status == 404, "/healthz is on the admin port only")
        #expect(try await httpRequest("GET", "http://127.0.0.1:\(adminPort)/unsubscribe?t=x").status == 404, "unsubscribe is on the public port only")

        // The digest arrives at its time with nothing else run.
        #expect(waitFor(40) { messageCount(sink) == 1 }, "no digest; stderr: \(daemon.stderr)")
        let dump = sink.dump(expecting: 1)
        // Planned on the daemon's clock at the subscriber's minute, not before.
        #expect(dump.contains("Date: Mon, 30 Nov 2026 09:00:"), "\(dump.prefix(600))")
        #expect(dump.contains("To: ada@example.org"))
        #expect(dump.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        #expect(daemon.stderr.contains("info paperboy.scheduler: digests planned digests.empty=0 digests.planned=1"))
        #expect(daemon.stderr.contains("info paperboy.sender: outbox delivered digests.deferred=0 digests.failed=0 digests.sent=1"))
        // systemctl status shows the run's summary (the notifier looks every half watchdog interval).
        #expect(waitFor(5) { notified().contains("STATUS=planned 1 digests at ") && notified().contains("; sent 1, deferred 0, failed 0 at ") })

        // SIGHUP with a broken config: refused, logged, still running and healthy.
        try (yaml + "\nsorces: []\n").write(toFile: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(waitFor(10) { daemon.stderr.contains("reload refused") }, "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("did you mean sources?"))
        #expect(daemon.process.isRunning)
        #expect(try await httpRequest("GET", "http://127.0.0.1:\(adminPort)/healthz").status == 200)
        // SIGHUP with a good one: taken.
        try yaml.replacingOccurrences(of: "interval: 1h", with: "interval: 2h").write(toFile: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(waitFor(10) { daemon.stderr.contains("notice paperboy: config reloaded") }, "stderr: \(daemon.stderr)")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(seconds: 20) == 0, "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("paperboy stopped"))
        let messages = notified()
        #expect(messages.contains("WATCHDOG=1"))
        #expect(messages.contains("STOPPING=1"))
        #expect(messageCount(sink) == 1, "one digest, once")
    }

    @Test func sigtermDuringASendLosesAndDoublesNothing() throws {
        // Each message waits a second for the reply to its final dot: a stop
        // always finds transactions under way.
        let sink = try SMTPSink(["-W", ".:1"])
        let yaml = """
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null", interval: 1h}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            http: {listen: "127.0.0.1:\(try LoopbackPort.free())", admin_listen: "127.0.0.1:\(try LoopbackPort.free())"}
            smtp: {url: "\(sink.url)", tls: none, connections: 2}
            """
        let (config, directory) = try writeConfig(yaml)
        let store = try Store(path: directory.appendingPathComponent("paperboy.sqlite").path)
        try store.ingest(try DemoCorpus.papers(at: TestTime.now.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        let count = 16
        var entries: [SubscriberPreferences] = []
        for k in 0..<count {
            entries.append(SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@example.org"), maxPapers: 2,
                                                 schedule: try Schedule.parse("daily 00:00 UTC")))
        }
        // Subscribed two days ago: today's digest is due at once.
        try store.importSubscribers(entries, prune: false, at: TestTime.now.addingTimeInterval(-2 * 86400))

        let daemon = try DaemonProcess(config: config, environment: ["PAPERBOY_SECRET": DaemonHarness.secret])
        #expect(waitFor(30) { messageCount(sink) >= 2 }, "stderr: \(daemon.stderr)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(seconds: 20) == 0, "stderr: \(daemon.stderr)")
        usleep(300_000)
        let delivered = messageCount(sink)
        let counts = try store.outboxCounts()
        #expect(delivered < count, "the stop came too late to test anything")
        #expect(counts[.sent] == delivered, "every message the server has is recorded as sent, and no other")
        #expect(counts[.sending] == nil, "no row is left claimed")
        #expect((counts[.deferred] ?? 0) + (counts[.queued] ?? 0) == count - delivered, "the rest is handed back")

        // The next run sends the rest, and nothing twice.
        // A minute later on the clock: the handed-back rows were due at once.
        let rest = try runPaperboy(["send-digest", "--config", config],
                                   environment: ["PAPERBOY_SECRET": DaemonHarness.secret, ProcessClock.variable: "2026-11-29T12:01:00Z"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.contains("planned 0, sent \(count - delivered), deferred 0, failed 0"), "\(rest.stdout)")
        let dump = sink.dump(expecting: count)
        let recipients = dump.split(separator: "\n").filter { $0.hasPrefix("To: ") }
        #expect(recipients.count == count)
        #expect(Set(recipients).count == count, "a digest went out twice")
    }

    @Test func aDaemonThatCannotStartSaysWhyAndExits78() throws {
        let base = """
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            """
        let noSMTP = try writeConfig(base)
        let missing = try runPaperboy(["run", "--config", noSMTP.path], environment: ["PAPERBOY_SECRET": DaemonHarness.secret])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("smtp: missing; paperboy run sends mail, so add smtp.url"), "\(missing.stderr)")

        let withSMTP = try writeConfig(base + "\nsmtp: {url: \"smtp://127.0.0.1:9\", tls: none}\n")
        let noSecret = try runPaperboy(["run", "--config", withSMTP.path], environment: ["PAPERBOY_SECRET": "", "CREDENTIALS_DIRECTORY": ""])
        #expect(noSecret.status == 78)
        #expect(noSecret.stderr.contains("no secret for unsubscribe links"), "\(noSecret.stderr)")

        // Under journald (JOURNAL_STREAM names its stderr) the line carries its syslog priority.
        let stderrPath = noSMTP.directory.appendingPathComponent("journal.err").path
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var info = stat()
        #expect(stat(stderrPath, &info) == 0)
        let journal = try DaemonProcess(config: noSMTP.path, environment: [
            "PAPERBOY_SECRET": DaemonHarness.secret, "JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)",
        ], stderrPath: stderrPath)
        #expect(journal.waitForExit(seconds: 20) == 78)
        let lines = journal.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<2>critical paperboy: cannot start error=") }, "\(journal.stderr)")
        // PAPERBOY_NOW (set by the harness) is said at start, as a warning.
        #expect(lines.first?.hasPrefix("<4>warning paperboy: the clock is shifted: PAPERBOY_NOW is set") == true, "\(journal.stderr)")

        let badLevel = try runPaperboy(["run", "--config", withSMTP.path, "--log-level", "loud"])
        #expect(badLevel.status == 64)
        #expect(badLevel.stderr.contains("--log-level \"loud\" is not a level"))
    }

    @Test(arguments: ["listen", "admin_listen"])
    func aTakenHTTPPortStopsTheDaemonWithAClearError(key: String) throws {
        // Something already listens on the port (smtp-sink will do).
        let sink = try SMTPSink()
        let free = try LoopbackPort.free()
        let (publicPort, adminPort) = key == "listen" ? (sink.port, free) : (free, sink.port)
        let (config, _) = try writeConfig("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            http: {listen: "127.0.0.1:\(publicPort)", admin_listen: "127.0.0.1:\(adminPort)"}
            smtp: {url: "\(sink.url)", tls: none}
            """)
        let daemon = try DaemonProcess(config: config, environment: ["PAPERBOY_SECRET": DaemonHarness.secret])
        let status = daemon.waitForExit(seconds: 20)
        #expect(status == 69, "stderr: \(daemon.stderr)")
        #expect(daemon.stderr.contains("http.\(key) 127.0.0.1:\(sink.port): cannot listen: address already in use (errno 98); "), "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("))"), "the reason is said once, in plain words: \(daemon.stderr)")
        #expect(daemon.stderr.contains("change http.\(key) in "), "\(daemon.stderr)")
    }
}
