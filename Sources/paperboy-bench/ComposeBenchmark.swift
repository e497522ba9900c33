import Crypto
import Foundation
import PaperboyCore
import PaperboyPipeline

/// `paperboy-bench compose --messages N`: fully composed digests (ten papers
/// each, rendered from the templates, MIME with both parts, ready for SMTP)
/// per second on one thread, for N subscribers over the demo corpus.
struct ComposeBenchmark {
    let messageCount: Int
    let seed: UInt64

    func run() throws {
        var random = SplitMix64(seed: seed)
        let at = Date(timeIntervalSince1970: 1_795_000_000)
        let papers = try DemoCorpus.papers(at: at.addingTimeInterval(-3600))
        let composer = try MailSetup.composer(config: DemoCorpus.mailConfig(), configPath: "(bench)", environment: DemoCorpus.demoEnvironment)
        var subscribers: [(Subscriber, [RankedPaper])] = []
        for k in 0..<messageCount {
            let preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@bench.example.org"),
                                                    name: k % 3 == 0 ? nil : "Reader Nº \(k)", query: nil)
            let chosen = (0..<10).map { rank -> RankedPaper in
                let paper = papers[Int(random.next() % UInt64(papers.count))]
                return RankedPaper(paper: paper, score: 1 - Double(rank) / 10, relevance: 0, trending: 0, learned: 0,
                                   matchedTerms: k % 2 == 0 ? ["transfer learning"] : [])
            }
            subscribers.append((Subscriber(id: Int64(k + 1), preferences: preferences, createdAt: at, updatedAt: at), chosen))
        }
        var bytes = 0
        let started = Date()
        for (subscriber, chosen) in subscribers {
            bytes += composer.compose(subscriber, papers: chosen, at: at).message.count
        }
        let seconds = Date().timeIntervalSince(started)
        print("messages: \(messageCount), ten papers each, text + HTML, one thread, seed: \(seed)")
        print(String(format: "compose: %.3f s, %.0f messages/s, %.1f KB per message on average", seconds,
                     Double(messageCount) / seconds, Double(bytes) / Double(messageCount) / 1024))
        print("peak memory (max RSS): \(SelectBenchmark.peakMemoryMB()) MB")
        // The output must not change with the speed: one hash over the fixed samples' messages (ComposeGoldenTests has each one's).
        let samples = try ComposeSamples.messages()
        var all = SHA256()
        for sample in samples {
            all.update(data: sample.message)
            if ProcessInfo.processInfo.environment["PAPERBOY_PRINT_GOLDEN"] == "1" {
                print("        \"\(sample.name)\": \"\(Self.hex(Array(SHA256.hash(data: sample.message))))\",")
            }
        }
        print("output: \(samples.count) sample messages (ComposeSamples), SHA-256 \(Self.hex(Array(all.finalize())))")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
