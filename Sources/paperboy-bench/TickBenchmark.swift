import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy-bench tick --subscribers N`: what the daemon's scheduler costs.
/// N subscribers (mixed queries, categories and zones, all due at 08:00 in
/// their zone... here all in UTC, the worst case) in a new SQLite file with
/// the demo corpus; times a full tick a minute before they are due (nobody
/// due), the quiet tick of a minute when nothing changed, the tick at 08:00 (plan, compose and write
/// N digests in transactions of 500), and the tick after (all planned).
struct TickBenchmark {
    let subscriberCount: Int
    let seed: UInt64

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
        let (due, planning) = try timed(day.addingTimeInterval(8 * 3600))
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
        print(String(format: "tick after (08:01, %d planned): %.3f s", after.planned, settled))
        print("database: \(size / 1_048_576) MB")
        print("peak memory (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
    }
}
