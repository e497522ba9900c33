import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Several `paperboy run` sharing one PostgreSQL (the test process's own,
/// on 127.0.0.1) and one smtp-sink: one plans (the lease), all send
/// (SKIP LOCKED claims), and a kill -9 of one loses nothing.
@Suite(.serialized) struct SharedStoreInstancesTests {
    static let subscribers = 20_000
    static let connections = 4

    /// Two instances, told apart by their EHLO name, which smtp-sink records.
    static func instanceConfig(database: String, sink: SMTPSink, name: String) throws -> String {
        let (config, _) = try writeConfig("""
            database: "\(database)"
            sources: [{name: demo, type: json, url: "file:///dev/null", interval: 24h}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            digest: {schedule: "daily 09:00 UTC", max_papers: 3}
            http: {listen: "127.0.0.1:\(try LoopbackPort.free())", admin_listen: "127.0.0.1:\(try LoopbackPort.free())"}
            smtp: {url: "\(sink.url)", tls: none, connections: \(connections), ehlo_name: \(name).lab.example.org, retry: {initial: 1s, max: 2s}}
            shutdown_timeout: 10s
            """)
        return config
    }

    /// How many messages each address got, as "count of addresses per number of copies".
    static func copiesPerAddress(_ dump: URL) throws -> [Int: Int] {
        let text = try String(contentsOf: dump, encoding: .utf8)
        var perAddress: [Substring: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("To: ") {
            perAddress[line.dropFirst(4), default: 0] += 1
        }
        var histogram: [Int: Int] = [:]
        for (_, copies) in perAddress { histogram[copies, default: 0] += 1 }
        return histogram
    }

    static func count(_ prefix: String, in dump: URL) -> Int {
        let text = (try? String(contentsOf: dump, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").lazy.filter { $0.hasPrefix(prefix) }.count
    }

    @Test func twoInstancesSendEveryDigestOnceAndAKillNineOfOneLosesNothing() throws {
        let sink = try SMTPSink()
        let database = try PostgresServer.shared().createDatabase()
        let store = try Store.open(database)
        let nine = try #require(FeedDate.parse("2026-11-30T09:00:00Z"))
        try store.ingest(try DemoCorpus.papers(at: nine.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        let entries = try (0..<Self.subscribers).map { SubscriberPreferences(email: try EmailAddress(parsing: "reader\($0)@example.org")) }
        try store.importSubscribers(entries, prune: false, at: TestTime.now)

        let environment = ["PAPERBOY_SECRET": DaemonHarness.secret, ProcessClock.variable: "2026-11-30T08:59:57Z"]
        let first = try DaemonProcessTests.DaemonProcess(config: try Self.instanceConfig(database: database, sink: sink, name: "first"), environment: environment)
        let second = try DaemonProcessTests.DaemonProcess(config: try Self.instanceConfig(database: database, sink: sink, name: "second"), environment: environment)

        // Both send before the kill: the planner's digests are claimed by both.
        var sent = 0
        for _ in 0..<1200 {
            sent = Self.count("X-Client-Addr: ", in: sink.dumpFile)
            if sent >= 4000 && Self.count("X-Helo-Args: first", in: sink.dumpFile) > 0 && Self.count("X-Helo-Args: second", in: sink.dumpFile) > 0 { break }
            usleep(100_000)
        }
        #expect(Self.count("X-Helo-Args: first", in: sink.dumpFile) > 0, "the first instance sent nothing; \(first.stderr.suffix(2000))")
        #expect(Self.count("X-Helo-Args: second", in: sink.dumpFile) > 0, "the second instance sent nothing; \(second.stderr.suffix(2000))")
        // The planner is the one killed when it is still planning; either way one dies mid-run.
        let planner = first.stderr.contains("digests planned") ? first : second
        let survivor = planner === first ? second : first
        #expect(first.process.isRunning && second.process.isRunning)
        #expect(sent < Self.subscribers, "everything was sent before the kill (\(sent))")
        planner.signal(SIGKILL)
        _ = planner.waitForExit(seconds: 10)

        // The other takes over planning (the dead planner's lease) and its claimed rows, and finishes.
        var counts: [OutboxState: Int] = [:]
        for _ in 0..<2400 {
            counts = try store.outboxCounts()
            if counts[.sent] == Self.subscribers { break }
            usleep(100_000)
        }
        #expect(counts[.sent] == Self.subscribers, "\(counts); survivor: \(survivor.stderr.suffix(3000))")
        survivor.signal(SIGTERM)
        #expect(survivor.waitForExit(seconds: 30) == 0, "\(survivor.stderr.suffix(2000))")
        _ = sink.dump(expecting: Self.subscribers)

        let histogram = try Self.copiesPerAddress(sink.dumpFile)
        #expect((histogram[1] ?? 0) + (histogram[2] ?? 0) == Self.subscribers, "every subscriber has a digest: \(histogram)")
        #expect((histogram[2] ?? 0) <= Self.connections, "at most smtp.connections (\(Self.connections)) got two: \(histogram)")
        #expect(histogram.keys.allSatisfy { $0 <= 2 }, "\(histogram)")
    }
}
