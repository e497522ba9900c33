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

    func run() throws {
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
        var sending: SendingTimes?
        let (due, planning): (DigestPlanner.TickSummary, Double)
        if let smtpPort {
            var smtp = SMTPConfig(url: "smtp://127.0.0.1:\(smtpPort)", tls: .none)
            smtp.connections = 4
            let runner = try DeliveryRunner(store: store, smtp: smtp, password: nil, fromDomain: "example.org",
                                            logger: Logger(label: "paperboy.bench"), now: { dueAt })
            (due, planning, sending) = try timedWithSending(at: dueAt, planner: planner, runner: runner)
        } else {
            (due, planning) = try timed(dueAt)
        }
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
        print(String(format: "due tick (08:00): %d digests planned, %d empty, %.2f s, %.0f digests/s", due.planned, due.empty, planning, Double(due.planned) / planning))
        if let sending {
            print(String(format: "due tick with sending to 127.0.0.1:%d (4 connections): first message accepted after %.3f s; %d sent, %d not sent, all done in %.2f s (%.0f messages/s)",
                         smtpPort ?? 0, sending.firstMessage ?? -1, sending.counts.sent, sending.counts.deferred + sending.counts.failed,
                         sending.total, Double(sending.counts.sent) / sending.total))
        }
        print(String(format: "tick after (08:01, %d planned): %.3f s", after.planned, settled))
        print("database: \(size / 1_048_576) MB")
        print("peak memory (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
    }

    struct SendingTimes {
        var firstMessage: Double?
        var total: Double
        var counts: DeliveryCounts
    }

    /// The due tick with a sender alongside, as in the daemon: planning on its
    /// own thread, the sender claiming each batch as soon as it is written.
    func timedWithSending(at: Date, planner: DigestPlanner, runner: DeliveryRunner) throws -> (DigestPlanner.TickSummary, Double, SendingTimes) {
        let started = ContinuousClock.now
        let feed = PlanningFeed()
        let first = FirstMoment()
        let planning = Thread {
            var foundEmpty: [Int64: PeriodKey] = [:]
            let result = Result { try planner.planDue(at: at, foundEmpty: &foundEmpty, written: feed.add) }
            first.planned(result, after: ContinuousClock.now - started)
            feed.finish()
        }
        planning.start()
        let counts = try runner.run(hooks: DeliveryHooks(onOutcome: { _, _ in first.mark(ContinuousClock.now - started) }), feed: feed)
        let total = ContinuousClock.now - started
        let (summary, planningTime) = try first.waitForPlanning()
        return (summary, planningTime, SendingTimes(firstMessage: first.firstSeconds, total: total.seconds, counts: counts))
    }
}

/// When the first message was accepted, and the planning thread's result.
final class FirstMoment: @unchecked Sendable {
    private let condition = NSCondition()
    private var first: Duration?
    private var planning: (Result<DigestPlanner.TickSummary, Error>, Duration)?

    func mark(_ elapsed: Duration) {
        condition.lock()
        if first == nil { first = elapsed }
        condition.unlock()
    }

    var firstSeconds: Double? {
        condition.lock()
        defer { condition.unlock() }
        return first?.seconds
    }

    func planned(_ result: Result<DigestPlanner.TickSummary, Error>, after elapsed: Duration) {
        condition.lock()
        planning = (result, elapsed)
        condition.broadcast()
        condition.unlock()
    }

    func waitForPlanning() throws -> (DigestPlanner.TickSummary, Double) {
        condition.lock()
        while planning == nil { condition.wait() }
        let (result, elapsed) = planning!
        condition.unlock()
        return (try result.get(), elapsed.seconds)
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
