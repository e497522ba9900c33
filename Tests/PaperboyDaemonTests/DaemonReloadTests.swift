import Foundation
import Logging
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// SIGHUP's reload, the journald log format, sd_notify, and the daemon's config keys.
@Suite struct DaemonReloadTests {
    @Test func aGoodConfigIsTakenAndABrokenOneKeepsTheRunningConfig() throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), extra: "digest: {max_papers: 3}")
        #expect(harness.daemon.runtime.runtime.config.digest.maxPapers == 3)

        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: "digest: {max_papers: 7}")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
        #expect(harness.daemon.runtime.runtime.config.digest.maxPapers == 7)
        #expect(harness.log.text.contains("<5>notice paperboy: config reloaded"))

        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: "digest: {max_paper: 9}")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(!harness.daemon.reload())
        #expect(harness.daemon.runtime.runtime.config.digest.maxPapers == 7, "the running config stays")
        let refusal = try #require(harness.log.text.split(separator: "\n").first { $0.contains("reload refused") })
        #expect(refusal.hasPrefix("<3>error paperboy: reload refused"))
        #expect(refusal.contains("digest.max_paper"), "the log names the bad key")
        #expect(refusal.contains("max_papers"), "and the nearest allowed one")

        // A template that does not parse is refused the same way.
        let templates = harness.directory.appendingPathComponent("templates")
        try FileManager.default.createDirectory(at: templates, withIntermediateDirectories: true)
        try "{{#papers}}unclosed".write(to: templates.appendingPathComponent("digest.txt.mustache"), atomically: true, encoding: .utf8)
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: "digest: {max_papers: 8}\ntemplates: templates")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(!harness.daemon.reload())
        #expect(harness.daemon.runtime.runtime.config.digest.maxPapers == 7)
        #expect(harness.log.text.contains("digest.txt.mustache"))
    }

    @Test func journalLinesCarryTheSyslogPriorityAndStayOnOneLine() {
        let line = JournalLogHandler.line(level: .warning, label: "paperboy.sender", message: "digest deferred\nsecond line",
                                          metadata: ["subscriber.id": "7", "smtp.reply": "451 4.3.0 try later"], journal: true, time: TestTime.now)
        #expect(line == "<4>warning paperboy.sender: digest deferred\\nsecond line smtp.reply=\"451 4.3.0 try later\" subscriber.id=7\n")
        #expect(JournalLogHandler.line(level: .error, label: "x", message: "m", metadata: [:], journal: true, time: TestTime.now).hasPrefix("<3>"))
        #expect(JournalLogHandler.line(level: .info, label: "x", message: "m", metadata: [:], journal: true, time: TestTime.now).hasPrefix("<6>"))
        #expect(JournalLogHandler.line(level: .debug, label: "x", message: "m", metadata: [:], journal: true, time: TestTime.now).hasPrefix("<7>"))
        let plain = JournalLogHandler.line(level: .info, label: "x", message: "m", metadata: [:], journal: false, time: instant("2026-11-30T07:00Z"))
        #expect(plain == "2026-11-30T07:00:00Z info x: m\n")
        // JOURNAL_STREAM must name our stderr: a stale value from a parent is ignored.
        #expect(!JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "1:2"]))
        #expect(!JournalLogHandler.stderrIsJournal(environment: [:]))
    }

    @Test func sdNotifyDatagramsReachTheSocket() throws {
        let directory = try TestPaths.temporaryDirectory()
        let socketPath = directory.appendingPathComponent("notify").path
        let record = directory.appendingPathComponent("notify.log").path
        let listener = try PythonHelper(script: "notify_socket.py", arguments: [socketPath, record])
        _ = listener
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "2000000"])
        #expect(notifier.watchdogInterval == 2)
        #expect(notifier.notify("READY=1\nSTATUS=running"))
        #expect(notifier.notify("WATCHDOG=1"))
        var text = ""
        for _ in 0..<200 {
            text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
            if text.contains("WATCHDOG=1") { break }
            usleep(10_000)
        }
        #expect(text == "READY=1\nSTATUS=running\n--\nWATCHDOG=1\n--\n")
        #expect(!SystemdNotifier(environment: [:]).notify("READY=1"), "no NOTIFY_SOCKET: nothing is sent")
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil,
                "a watchdog meant for another process")
    }

    @Test func httpListenAndShutdownTimeoutAreRead() throws {
        let base = "database: x.sqlite\nsources: [{name: a, type: json, url: 'file:///dev/null'}]\n"
        let defaults = try PaperboyConfig.parse(base, file: "p.yaml")
        #expect(defaults.daemon.listen == "127.0.0.1:8080")
        #expect(defaults.daemon.shutdownTimeout == 30)
        let set = try PaperboyConfig.parse(base + "http: {listen: '[::1]:9090'}\nshutdown_timeout: 1m\n", file: "p.yaml")
        #expect(set.daemon.listenHost == "::1")
        #expect(set.daemon.listenPort == 9090)
        #expect(set.daemon.shutdownTimeout == 60)
        for (yaml, expected) in [
            ("http: {listen: 'localhost'}", "p.yaml: http.listen: \"localhost\" is not host:port"),
            ("http: {listen: '127.0.0.1:70000'}", "p.yaml: http.listen: \"127.0.0.1:70000\" is not host:port"),
            ("http: {listn: '127.0.0.1:80'}", "p.yaml: http.listn"),
            ("shutdown_timeout: 0s", "p.yaml: shutdown_timeout"),
        ] {
            #expect(throws: ConfigError.self) { try PaperboyConfig.parse(base + yaml + "\n", file: "p.yaml") }
            do {
                _ = try PaperboyConfig.parse(base + yaml + "\n", file: "p.yaml")
            } catch {
                #expect(error.description.hasPrefix(expected), "\(error.description)")
            }
        }
    }
}

extension DaemonReloadTests {
    @Test func theNotifierSendsStatusChangesAndWatchdogPingsOnlyWhileTheSchedulerTicks() async throws {
        let directory = try TestPaths.temporaryDirectory()
        let socketPath = directory.appendingPathComponent("notify").path
        let record = directory.appendingPathComponent("notify.log").path
        let listener = try PythonHelper(script: "notify_socket.py", arguments: [socketPath, record])
        _ = listener
        let clock = ManualDaemonClock(instant("2026-11-30T07:00Z"))
        let status = DaemonStatus()
        let service = NotifyService(notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "20000000"]),
                                    status: status, clock: clock, tickStaleAfter: 180, logger: LogCapture().logger())
        let task = Task { try await service.run() }
        defer { task.cancel() }
        func lines() -> [String] {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0 != "--" }
        }
        /// Waits until the loop is asleep (its iteration, and its datagrams, done).
        func asleep() async throws {
            while clock.sleeping.count == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        func step(_ seconds: Double) async throws {
            try await asleep()
            clock.advance(to: clock.now().addingTimeInterval(seconds))
            try await Task.sleep(for: .milliseconds(5))
            try await asleep()
        }
        status.update { $0.lastTick = clock.now() }
        try await step(10)
        status.update { $0.lastPlan = "planned 3 digests"; $0.lastTick = clock.now() }
        try await step(10)
        // The scheduler stops ticking: no more pings.
        try await step(200)
        try await Task.sleep(for: .milliseconds(200))   // the listener writes what it received
        let before = lines().count
        try await step(10)
        try await step(10)
        try await Task.sleep(for: .milliseconds(200))
        let all = lines()
        #expect(all.prefix(4) == ["STATUS=no digests planned yet; nothing sent yet", "WATCHDOG=1", "WATCHDOG=1", "STATUS=planned 3 digests; nothing sent yet"],
                "\(all)")
        #expect(all.count == before, "pings went on while the scheduler was stuck: \(all)")
    }
}
