import Foundation
import PaperboyCore
import PaperboyPipeline

/// Synthetic data and timing for the selection benchmark.
struct SelectBenchmark {
    let paperCount: Int
    let subscriberCount: Int
    /// Likes per subscriber; nil: one in five subscribers likes three papers.
    let likes: Int?
    /// Papers per subscriber marked "Not for me".
    let dislikes: Int
    /// Every word equally often instead of Zipf's law.
    let uniformWords: Bool
    let seed: UInt64
    let threads: Int

    func run() throws {
        var random = SplitMix64(seed: seed)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let vocabulary = try Self.vocabulary()
        let categories = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.IR", "cs.RO", "math.OC", "q-bio.NC", "eess.AS"]
        let surnames = ["Smith", "Müller", "Garcia", "Chen", "Wang", "Kumar", "Rossi", "Novak", "Hinton", "Bengio", "LeCun", "Nakamura"]

        /// A word of the vocabulary: Zipf-distributed, as in real text (the
        /// k-th word about 1/k as often as the first), or with `uniformWords`
        /// every word equally often, which no corpus does: then every word is
        /// in 1 paper in 12 and scoring a reader's terms walks long lists.
        func word() -> String {
            if uniformWords { return vocabulary[Int(random.next() % UInt64(vocabulary.count))] }
            let unit = Double(random.next() >> 11) / Double(1 << 53)
            return vocabulary[min(vocabulary.count - 1, Int(pow(Double(vocabulary.count), unit)) - 1)]
        }

        /// A query word: any word of the vocabulary, equally likely (a reader
        /// asks for a topic, not for the commonest words of the text).
        func topicWord() -> String {
            vocabulary[Int(random.next() % UInt64(vocabulary.count))]
        }

        let started = Date()
        var papers: [Paper] = []
        papers.reserveCapacity(paperCount)
        for k in 0..<paperCount {
            let title = (0..<(6 + Int(random.next() % 8))).map { _ in word() }.joined(separator: " ")
            let abstract = (0..<(120 + Int(random.next() % 120))).map { _ in word() }.joined(separator: " ")
            let firstSeen = now.addingTimeInterval(-Double(random.next() % (7 * 86400)))
            papers.append(Paper(
                id: String(format: "2611.%05d", k), version: 1, title: title, abstract: abstract,
                authors: (0..<(1 + Int(random.next() % 5))).map { _ in "A. \(surnames[Int(random.next() % UInt64(surnames.count))])" },
                categories: [categories[Int(random.next() % UInt64(categories.count))], categories[Int(random.next() % UInt64(categories.count))]],
                publishedAt: firstSeen, firstSeenAt: firstSeen,
                upvotes: random.next() % 3 == 0 ? nil : Int(random.next() % 200), sources: ["bench"]
            ))
        }

        // Papers first seen before the window: liked or disliked in earlier digests.
        let earlier = (0..<1000).map { k in
            let title = (0..<8).map { _ in word() }.joined(separator: " ")
            let abstract = (0..<160).map { _ in word() }.joined(separator: " ")
            return Paper(id: String(format: "2609.%05d", k), version: 1, title: title, abstract: abstract, authors: ["A. Smith"], categories: ["cs.LG"],
                         publishedAt: now.addingTimeInterval(-30 * 86400), firstSeenAt: now.addingTimeInterval(-30 * 86400), upvotes: nil, sources: ["bench"])
        }
        /// `count` ids, every other one from before the window.
        func feedback(_ count: Int) -> [String] {
            (0..<count).map { k in
                k % 2 == 0 ? papers[Int(random.next() % UInt64(paperCount))].id : earlier[Int(random.next() % UInt64(earlier.count))].id
            }
        }

        var subscribers: [SubscriberPreferences] = []
        var sent: [Set<String>] = []
        subscribers.reserveCapacity(subscriberCount)
        let cache = PreferenceParseCache()
        for k in 0..<subscriberCount {
            var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@bench.example.org"))
            switch random.next() % 6 {
            case 0: preferences.query = nil
            case 1: preferences.query = try cache.query("\(topicWord()) OR \(topicWord())")
            case 2: preferences.query = try cache.query("\"\(topicWord()) \(topicWord())\" OR \(topicWord())")
            case 3: preferences.query = try cache.query("\(topicWord()) -\(topicWord())")
            case 4: preferences.query = try cache.query("(\(topicWord()) OR \(topicWord())) \(topicWord())*")
            default: preferences.query = try cache.query("title:\(topicWord()) OR abstract:\(topicWord()) OR \(topicWord())")
            }
            if random.next() % 3 == 0 { preferences.categories = [categories[Int(random.next() % UInt64(categories.count))]] }
            if random.next() % 10 == 0 { preferences.authors = ["\(surnames[Int(random.next() % UInt64(surnames.count))])"] }
            if random.next() % 4 == 0 { preferences.minUpvotes = Int(random.next() % 50) }
            if let likes {
                preferences.likes = feedback(likes)
                preferences.dislikes = feedback(dislikes).filter { !preferences.likes.contains($0) }
            } else {
                if random.next() % 5 == 0 { preferences.likes = (0..<3).map { _ in papers[Int(random.next() % UInt64(paperCount))].id } }
                if dislikes > 0 { preferences.dislikes = feedback(dislikes) }
            }
            preferences.maxPapers = 10
            subscribers.append(preferences)
            // A week of daily digests already sent: up to 70 of the window's papers.
            sent.append(Set((0..<Int(random.next() % 70)).map { _ in papers[Int(random.next() % UInt64(paperCount))].id }))
        }
        let generated = Date()

        let selector = DigestSelector(papers: papers, at: now, lookback: 7 * 86400, ranking: RankingSettings(),
                                      likedPapers: earlier, dislikedPapers: earlier)
        let indexed = Date()

        // Handed out as planning hands them out (`ChunkedWork`: chunks of up to
        // 256 to whichever thread is free), not in fixed halves that would
        // wait for the slower core.
        let frozenSubscribers = subscribers
        let frozenSent = sent
        var selected = 0
        try ChunkedWork<Int>(count: subscriberCount, workers: threads).run(work: { range in
            range.reduce(0) { $0 + selector.select(frozenSubscribers[$1], maxPapers: 10, sent: frozenSent[$1]).count }
        }, consume: { selected += $0 })
        let finished = Date()

        let selectSeconds = finished.timeIntervalSince(indexed)
        let indexSeconds = indexed.timeIntervalSince(generated)
        print("papers: \(paperCount), subscribers: \(subscriberCount), likes: \(likes.map(String.init) ?? "3 for one in five"), dislikes: \(dislikes), words: \(uniformWords ? "uniform" : "Zipf"), threads: \(threads), seed: \(seed)")
        print(String(format: "generate synthetic data: %.2f s", generated.timeIntervalSince(started)))
        print(String(format: "build index (once per run): %.3f s", indexSeconds))
        print(String(format: "select: %.3f s, %.0f subscribers/s, %.1f papers per digest on average", selectSeconds,
                     Double(subscriberCount) / selectSeconds, Double(selected) / Double(subscriberCount)))
        print(String(format: "index + select: %.3f s", indexSeconds + selectSeconds))
        print("peak memory (max RSS): \(Self.peakMemoryMB()) MB")
    }

    /// Distinct words of the bundled demo corpus (lower-cased), the benchmark's vocabulary.
    static func vocabulary() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PaperboyPipeline/Resources/demo-corpus.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        let words = Set(TextAnalyzer.words(text).filter { $0.count > 3 && $0.allSatisfy(\.isLetter) })
        return words.sorted()
    }

    static func peakMemoryMB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) / 1024
    }
}

/// A small deterministic random number generator, so runs are repeatable.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
