import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy-bench import --subscribers N`: writes a subscriber file of N
/// entries, then times what `paperboy subscriber import` does with it
/// (parse and validate, plan, one transaction into a new SQLite file), a
/// second import of the same file (all unchanged), and an export.
struct ImportBenchmark {
    let subscriberCount: Int
    let seed: UInt64

    func run() throws {
        var random = SplitMix64(seed: seed)
        let queries = ["'\"knowledge distillation\" OR continual'", "adapter -diffusion", "'title:transformer* AND category:cs.LG'", "'author:\"Geoffrey Hinton\"'"]
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
        var lines = ["subscribers:"]
        lines.reserveCapacity(subscriberCount * 10)
        for k in 0..<subscriberCount {
            lines.append("  - email: reader\(k)@lab\(k % 997).example.org")
            if k % 3 != 0 { lines.append("    name: Reader \(k)") }
            if k % 5 != 0 { lines.append("    query: \(queries[Int(random.next() % 4)])") }
            lines.append(k % 2 == 0 ? "    categories: [cs.LG, cs.CL]" : "    categories: []")
            lines.append("    authors: []")
            lines.append("    min_upvotes: \(random.next() % 7)")
            lines.append("    max_papers: \(1 + random.next() % 100)")
            lines.append("    schedule: daily \(String(format: "%02d:%02d", Int(random.next() % 24), Int(random.next() % 60))) \(zones[Int(random.next() % 4)])")
            lines.append("    format: both")
            lines.append("    paused: false")
        }
        let text = lines.joined(separator: "\n") + "\n"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("bench.sqlite").path)

        let started = Date()
        let entries = try SubscriberFile.parse(text, file: "bench.yaml")
        let parsed = Date()
        let first = try store.importSubscribers(entries, prune: false, at: Date())
        let imported = Date()
        let second = try store.importSubscribers(try SubscriberFile.parse(text, file: "bench.yaml"), prune: true, at: Date())
        let reimported = Date()
        let exported = SubscriberFile.render(try store.subscribers().map(\.preferences))
        let done = Date()

        print("subscribers: \(subscriberCount), file: \(text.utf8.count / 1024) KB, seed: \(seed)")
        print(String(format: "parse and validate: %.2f s", parsed.timeIntervalSince(started)))
        print(String(format: "first import (%d added): %.2f s", first.adds.count, imported.timeIntervalSince(parsed)))
        print(String(format: "import total: %.2f s, %.0f subscribers/s", imported.timeIntervalSince(started), Double(subscriberCount) / imported.timeIntervalSince(started)))
        print(String(format: "second import, parse included (%d unchanged): %.2f s", second.unchanged, reimported.timeIntervalSince(imported)))
        print(String(format: "export (%d KB): %.2f s", exported.utf8.count / 1024, done.timeIntervalSince(reimported)))
        print("peak memory (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
    }
}
