import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy-bench tick --subscribers N`: what the daemon's scheduler costs.
/// N subscribers (mixed queries, categories and zones, all due at 08:00 in
/// their zone... here all in UTC, the worst case) in a new SQLite file with
/// the demo corpus; times a full tick a minute before they are due (nobody
/// due), the quiet tick of a minute when nothing changed, the tick at 08:00 (plan, compose and write
/// N digests, composing on every core and writing in batches), and the tick after (all planned).
///
/// With `--smtp-port P` the 08:00 tick also sends, as the daemon does: the
/// sender claims each batch as soon as it is written, over
/// `smtp.connections` (4) connections to the SMTP server on 127.0.0.1:P
/// (`scripts/bench-e2e` starts smtp-sink); it prints the time to the first
/// message accepted, the total, and the peak RSS.
struct TickBenchmark {
    let subscriberCount: Int
    let seed: UInt64
    var smtpPort: Int?

    /// Set in the child process that runs the 08:00 tick with sending (its own peak RSS, without the setup's).
    static let childDatabaseVariable = "PAPERBOY_BENCH_TICK_DATABASE"

    func run() throws {
        if let path = ProcessInfo.processInfo.environment[Self.childDatabaseVariable], let smtpPort {
            return try runDueTickWithSending(database: path, smtpPort: smtpPort)
        }
        var random = SplitMix64(seed: seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("bench.sqlite").path)
        let day = Date(timeIntervalSince1970: 1_796_000_000 - 1_796_000_000.truncatingRemainder(dividingBy: 86400))
        try store.ingest(try DemoCorpus.papers(at: day), source: SourceState(name: "demo"), at: day)
        let queries = ["\"transfer learning\" OR adapter", "domain adaptation", "title:fine-tuning", "few-shot -vision"].map { try? Query.parse($0) }
        var entries: [SubscriberPreferences] = []
        for k in 0..<subscriberCount {
            entries.append(SubscriberPreferences(
                email: try EmailAddress(parsing: "reader\(k)@lab\(k % 997).example.org"),
                query: k % 4 == 0 ? nil : queries[Int(random.next() % 4)] ?? nil,
                maxPapers: 5 + Int(random.next() % 6),
                schedule: try Schedule.parse("daily 08:00 UTC")
            ))
        }
        try store.importSubscribers(entries, prune: false, at: day)
        var config = DemoCorpus.mailConfig()
        config.database = directory.appendingPathComponent("bench.sqlite").path
        let composer = try MailSetup.composer(config: config, configPath: "(bench)", environment: DemoCorpus.demoEnvironment)
        let planner = DigestPlanner(store: store, settings: config, composer: composer)

        var foundEmpty: [Int64: PeriodKey] = [:]
        func timed(_ at: Date) throws -> (DigestPlanner.TickSummary, Double) {
            let started = Date()
            let summary = try planner.planDue(at: at, foundEmpty: &foundEmpty)
            return (summary, Date().timeIntervalSince(started))
        }
        let (before, idle) = try timed(day.addingTimeInterval(8 * 3600 - 60))
        let dueAt = day.addingTimeInterval(8 * 3600)
        if smtpPort != nil {
            // The 08:00 tick with sending runs in a process of its own, as the daemon would: its peak memory is its own.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = Array(CommandLine.arguments.dropFirst())
            child.environment = ProcessInfo.processInfo.environment.merging([Self.childDatabaseVariable: config.database]) { $1 }
            try child.run()
            child.waitUntilExit()
            guard child.terminationStatus == 0 else { throw BenchmarkFailure(message: "the tick with sending failed (exit \(child.terminationStatus))") }
        }
        let (due, planning) = smtpPort == nil ? try timed(dueAt) : (DigestPlanner.TickSummary(), 0)
        let (after, settled) = try timed(day.addingTimeInterval(8 * 3600 + 60))
        // What the daemon does on the minutes between: one read tells it nothing changed.
        let quietStarted = Date()
        let rounds = 1000
        for _ in 0..<rounds { _ = try store.changeVersions() }
        let quiet = Date().timeIntervalSince(quietStarted) / Double(rounds)
        let size = try FileManager.default.attributesOfItem(atPath: config.database)[.size] as? Int ?? 0

        print("subscribers: \(subscriberCount), papers: \(try store.paperCount()), seed: \(seed)")
        print(String(format: "full tick with nobody due (07:59, %d planned): %.3f s; the daemon does this only after a change", before.planned, idle))
        print(String(format: "quiet tick (the daemon's minute when nothing changed): %.3f ms", quiet * 1000))
        if smtpPort == nil {
            print(String(format: "due tick (08:00): %d digests planned, %d empty, %.2f s, %.0f digests/s", due.planned, due.empty, planning, Double(due.planned) / planning))
        }
        print(String(format: "tick after (08:01, %d planned): %.3f s", after.planned, settled))
        print("database: \(size / 1_048_576) MB")
        print("peak memory (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
    }

    /// The child's part: the 08:00 tick over the prepared database, sending
    /// to 127.0.0.1:`smtpPort`, as the daemon does; prints its own numbers.
    func runDueTickWithSending(database: String, smtpPort: Int) throws {
        let started = ContinuousClock.now
        let store = try Store(path: database)
        var config = DemoCorpus.mailConfig()
        config.database = database
        let composer = try MailSetup.composer(config: config, configPath: "(bench)", environment: DemoCorpus.demoEnvironment)
        let planner = DigestPlanner(store: store, settings: config, composer: composer)
        let day = Date(timeIntervalSince1970: 1_796_000_000 - 1_796_000_000.truncatingRemainder(dividingBy: 86400))
        let dueAt = day.addingTimeInterval(8 * 3600)
        var smtp = SMTPConfig(url: "smtp://127.0.0.1:\(smtpPort)", tls: .none)
        smtp.connections = 4
        let runner = try DeliveryRunner(store: store, smtp: smtp, password: nil, fromDomain: "example.org",
                                        logger: Logger(label: "paperboy.bench"), now: { dueAt })
        let opened = (ContinuousClock.now - started).seconds
        let (due, planning, sending) = try timedWithSending(at: dueAt, planner: planner, runner: runner)
        print(String(format: "due tick (08:00) with sending to 127.0.0.1:%d over 4 connections, in a process of its own (store opened in %.3f s):", smtpPort, opened))
        print(String(format: "  planned %d, empty %d; planning done after %.2f s, when %d had been sent (%.0f messages/s while composing, %.0f/s after)",
                     due.planned, due.empty, planning, sending.sentWhenPlanned, Double(sending.sentWhenPlanned) / planning,
                     Double(sending.counts.sent - sending.sentWhenPlanned) / max(0.001, sending.total - planning)))
        print(String(format: "  first message accepted after %.3f s; %d sent, %d not sent; all done in %.2f s (%.0f messages/s)",
                     sending.firstMessage ?? -1, sending.counts.sent, sending.counts.deferred + sending.counts.failed,
                     sending.total, Double(sending.counts.sent) / sending.total))
        print("  peak memory of this process (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
    }

    struct SendingTimes {
        var firstMessage: Double?
        var total: Double
        var counts: DeliveryCounts
        /// Messages with an outcome when planning ended.
        var sentWhenPlanned: Int
    }

    /// The due tick with a sender alongside, as in the daemon: planning on its
    /// own thread, the sender claiming each batch as soon as it is written.
    func timedWithSending(at: Date, planner: DigestPlanner, runner: DeliveryRunner) throws -> (DigestPlanner.TickSummary, Double, SendingTimes) {
        let started = ContinuousClock.now
        let outcomes = OutcomeTimes()
        let planning = PlanningThread { feed in
            var foundEmpty: [Int64: PeriodKey] = [:]
            defer { outcomes.planningEnded(after: ContinuousClock.now - started) }
            return try planner.planDue(at: at, foundEmpty: &foundEmpty, written: feed.add)
        }
        let counts = try runner.run(hooks: DeliveryHooks(onOutcome: { _, _ in outcomes.mark(ContinuousClock.now - started) }), feed: planning.feed)
        let total = ContinuousClock.now - started
        let summary = try planning.result()
        let snapshot = outcomes.snapshot
        return (summary, snapshot.planningTime, SendingTimes(firstMessage: snapshot.first, total: total.seconds, counts: counts,
                                                             sentWhenPlanned: snapshot.whenPlanned))
    }
}

/// When the first message was accepted, and how many had an outcome when planning ended.
final class OutcomeTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Duration?
    private var outcomes = 0
    private var planning: (elapsed: Duration, outcomes: Int)?

    func mark(_ elapsed: Duration) {
        lock.lock()
        outcomes += 1
        if first == nil { first = elapsed }
        lock.unlock()
    }

    func planningEnded(after elapsed: Duration) {
        lock.lock()
        planning = (elapsed, outcomes)
        lock.unlock()
    }

    var snapshot: (first: Double?, planningTime: Double, whenPlanned: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (first?.seconds, planning?.elapsed.seconds ?? 0, planning?.outcomes ?? 0)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A benchmark step that could not run.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "paperboy-bench: \(message)" }
}
