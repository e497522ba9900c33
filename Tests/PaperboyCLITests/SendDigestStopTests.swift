import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// SIGINT and SIGTERM during `paperboy send-digest`: the run stops gracefully.
@Suite(.serialized) struct SendDigestStopTests {
    /// A running `paperboy send-digest`, its output in files.
    final class SendProcess {
        let process = Process()
        let stdoutFile: URL
        let stderrFile: URL

        init(config: String, directory: URL) throws {
            stdoutFile = directory.appendingPathComponent("send.out")
            stderrFile = directory.appendingPathComponent("send.err")
            FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
            FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
            process.executableURL = TestPaths.paperboyBinary
            process.arguments = ["send-digest", "--at", TestTime.digestAtText, "--config", config]
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "PAPERBOY_CONFIG")
            env[ProcessClock.variable] = TestTime.nowText
            env["PAPERBOY_SECRET"] = "0123456789abcdef0123456789"
            process.environment = env
            process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
            process.standardError = try FileHandle(forWritingTo: stderrFile)
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

        /// The exit status, or nil if it still runs after `seconds` (monotonic time).
        func waitForExit(seconds: Double) -> Int32? {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
            return process.isRunning ? nil : process.terminationStatus
        }
    }

    func messageCount(_ sink: SMTPSink) -> Int {
        let text = (try? String(contentsOf: sink.dumpFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.hasPrefix("X-Client-Addr: ") }.count
    }

    func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// A database with the demo papers and `count` subscribers, sending to `sink` over 2 connections.
    static func setup(sink: SMTPSink, subscribers count: Int) throws -> (TestSetup, Store) {
        let s = try TestSetup(digest: """
        from: "Paperboy <digest@lab.example.org>"
        base_url: https://lab.example.org
        smtp: {url: "\(sink.url)", tls: none, connections: 2}
        """)
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: TestTime.digestAt.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        let entries = try (0..<count).map { SubscriberPreferences(email: try EmailAddress(parsing: "reader\($0)@example.org"), maxPapers: 2) }
        try store.importSubscribers(entries, prune: false, at: TestTime.now)
        return (s, store)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsTheRunGracefullyAndTheNextRunSendsTheRest(signal: Int32) throws {
        // Each message waits a second for the reply to its final dot: the signal finds transactions under way.
        let sink = try SMTPSink(["-W", ".:1"])
        let count = 16
        let (s, store) = try Self.setup(sink: sink, subscribers: count)

        let send = try SendProcess(config: s.config, directory: s.directory)
        #expect(waitFor(30) { messageCount(sink) >= 1 }, "stderr: \(send.stderr)")
        kill(send.process.processIdentifier, signal)
        let status = send.waitForExit(seconds: 20)
        #expect(status == 75, "stdout: \(send.stdout) stderr: \(send.stderr)")
        usleep(300_000)
        let delivered = messageCount(sink)
        let counts = try store.outboxCounts()
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        #expect(delivered < count, "the stop came too late to test anything")
        #expect(send.stdout.contains("planned \(count), sent \(delivered), deferred 0, failed 0"), "\(send.stdout)")
        #expect(send.stdout.contains("stopped by \(name): \(count - delivered) digests handed back to the outbox; they go out on the next run"), "\(send.stdout)")
        #expect(send.stderr.contains("\(name) received: no new message starts"), "\(send.stderr)")
        #expect(send.stderr.contains("Press Ctrl-C again to quit at once"))
        #expect(counts[.sending] == nil, "no row is left claimed")
        #expect(counts[.sent] == delivered, "every message the server has is recorded as sent, and no other")
        #expect((counts[.deferred] ?? 0) + (counts[.queued] ?? 0) == count - delivered, "the rest is handed back")

        // The next run sends the rest, and nothing twice.
        let rest = try s.run(["send-digest", "--at", TestTime.digestAtText], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(rest.status == 0, "\(rest.stdout) \(rest.stderr)")
        #expect(rest.stdout.contains("planned 0, sent \(count - delivered), deferred 0, failed 0"), "\(rest.stdout)")
        let recipients = sink.dump(expecting: count).split(separator: "\n").filter { $0.hasPrefix("To: ") }
        #expect(recipients.count == count)
        #expect(Set(recipients).count == count, "a digest went out twice")
    }
}

extension SendDigestStopTests {
    @Test func aSecondSignalQuitsAtOnceAndTheNextRunTakesTheRowsBack() throws {
        let sink = try SMTPSink(["-W", ".:1"])
        let count = 8
        let (s, store) = try Self.setup(sink: sink, subscribers: count)

        let send = try SendProcess(config: s.config, directory: s.directory)
        #expect(waitFor(30) { messageCount(sink) >= 1 }, "stderr: \(send.stderr)")
        kill(send.process.processIdentifier, SIGINT)
        #expect(waitFor(10) { send.stderr.contains("SIGINT received") }, "\(send.stderr)")
        kill(send.process.processIdentifier, SIGINT)
        #expect(send.waitForExit(seconds: 10) == 130, "stdout: \(send.stdout) stderr: \(send.stderr)")
        #expect(send.stderr.contains("second SIGINT: quitting now"), "\(send.stderr)")

        // The rows the dead process held come back; every subscriber gets a digest.
        let rest = try s.run(["send-digest", "--at", TestTime.digestAtText], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(rest.status == 0, "\(rest.stdout) \(rest.stderr)")
        #expect(try store.outboxCounts()[.sent] == count)
        let recipients = Set(sink.dump(expecting: count).split(separator: "\n").filter { $0.hasPrefix("To: ") })
        #expect(recipients.count == count, "every subscriber got theirs")
    }
}
