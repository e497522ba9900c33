import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy-bench outbox --rows N`: an outbox of N rows (1,000 subscribers,
/// small bodies; all but 100,000 finished), then times what /healthz reads,
/// the outbox counts: counted from the rows (`GROUP BY state`, as before
/// migration v8) and read from the counts the v8 triggers keep; then a
/// `db prune --dry-run` and a prune of every finished row's body.
struct OutboxBenchmark {
    let rowCount: Int

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("bench.sqlite").path)
        let time = Date(timeIntervalSince1970: 1_795_000_000)
        let subscribers = 1000
        try store.importSubscribers(try (0..<subscribers).map { SubscriberPreferences(email: try EmailAddress(parsing: "reader\($0)@example.org")) },
                                    prune: false, at: time)
        let ids = try store.subscribers().map(\.id)
        let body = Array(repeating: UInt8(ascii: "x"), count: 200)
        let started = Date()
        var written = 0
        var period = 0
        while written < rowCount {
            var digests: [PlannedDigest] = []
            while digests.count < 20_000 && written + digests.count < rowCount {
                for id in ids where written + digests.count < rowCount {
                    digests.append(PlannedDigest(subscriberID: id, periodKey: "p\(period)", recipient: "r@example.org", sender: "d@example.org",
                                                 subject: "s", messageID: "<\(period).\(id)@x>", message: body, paperIDs: []))
                }
                period += 1
            }
            written += try store.plan(digests, at: time)
        }
        let finished = max(0, rowCount - 100_000)
        var next: Int64 = 1
        while next <= Int64(finished) {
            let last = min(Int64(finished), next + 99_999)
            try store.cancel(ids: Array(next...last), reason: "bench", at: time)
            next = last + 1
        }
        let built = Date()
        print("outbox rows: \(written) (\(finished) finished), built in \(String(format: "%.1f", built.timeIntervalSince(started))) s")

        func timed<T>(_ label: String, runs: Int = 5, _ body: () throws -> T) rethrows -> T {
            var best = Double.infinity
            var result: T?
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                result = try body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            print(String(format: "%@: %.3f ms (best of %d)", label, best, runs))
            return result!
        }
        let scanned = try timed("outbox counts, GROUP BY state over the rows (before v8)") { try store.outboxCountsByScan() }
        let kept = try timed("outbox counts, read from outbox_state_count (v8)") { try store.outboxCounts() }
        print("counts agree: \(scanned == kept) \(kept.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))")
        let cutoffs = PruneCutoffs(at: time.addingTimeInterval(31 * 86400), retention: RetentionSettings(), lookback: 7 * 86400)
        let dry = try timed("db prune --dry-run (counting)", runs: 1) { try store.prune(cutoffs, dryRun: true) }
        let pruned = try timed("prune: empty \(dry.messageBodies) bodies", runs: 1) { try store.prune(cutoffs, dryRun: false) }
        print("pruned \(pruned.messageBodies) bodies (\(pruned.messageBytes / 1024) KB)")
        _ = try timed("outbox counts after the prune (v8)") { try store.outboxCounts() }
    }
}
