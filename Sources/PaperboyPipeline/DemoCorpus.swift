import Foundation
import PaperboyCore
import PaperboyStore

/// The bundled demo corpus, carried inside the binary so `--demo` runs need
/// neither network nor config:
/// - `demo-corpus.json`: 61 titles and abstracts from a trending-papers
///   listing on transfer learning (no ids, authors, dates or upvotes);
/// - `demo-feeds.json`: the 11 papers of the real feed samples (Hugging Face
///   daily papers, the arXiv API, rss.arxiv.org), with their authors,
///   categories and upvotes, so author, category and upvote filters have
///   something to work on.
public enum DemoCorpus {
    /// The source name demo papers are recorded under.
    public static let sourceName = "demo"

    /// The transfer-learning listing's bytes (`Sources/PaperboyPipeline/Resources/demo-corpus.json`).
    public static var bytes: [UInt8] { PackageResources.demo_corpus_json }

    /// The feed samples' bytes (`Sources/PaperboyPipeline/Resources/demo-feeds.json`).
    public static var feedBytes: [UInt8] { PackageResources.demo_feeds_json }

    /// Both files parsed as `json` sources: 72 papers.
    public static func papers(at time: Date) throws -> [Paper] {
        let context = FeedContext(sourceName: sourceName, fetchedAt: time)
        return try SourceType.json.parse(bytes, context: context).papers + SourceType.json.parse(feedBytes, context: context).papers
    }

    /// An in-memory store holding the demo corpus.
    public static func store(at time: Date) throws -> Store {
        let store = Store.inMemory()
        try store.ingest(try papers(at: time), source: SourceState(name: sourceName), at: time)
        return store
    }
}

extension DemoCorpus {
    /// Three demo subscribers: a query in Berlin, the plain trending digest in
    /// New York, and a text-only reader in London who likes a paper.
    public static func subscribers() -> [SubscriberPreferences] {
        func address(_ text: String) -> EmailAddress { try! EmailAddress(parsing: text) }
        return [
            SubscriberPreferences(
                email: address("ada@example.org"), name: "Ada Lovelace",
                query: try! Query.parse("\"knowledge distillation\" OR continual"),
                maxPapers: 5, schedule: try! Schedule.parse("daily 08:00 Europe/Berlin")
            ),
            SubscriberPreferences(
                email: address("grace@example.org"), name: "Grace Hopper",
                maxPapers: 5, schedule: try! Schedule.parse("weekdays 07:30 America/New_York")
            ),
            SubscriberPreferences(
                email: address("alan@example.org"), name: "Alan Turing",
                query: try! Query.parse("adapter -diffusion"), maxPapers: 3,
                schedule: try! Schedule.parse("weekly mon,thu 09:00 Europe/London"), format: .text,
                likes: [StableID.forTitle("VL-Adapter: Parameter-Efficient Transfer Learning for Vision-and-Language Tasks")]
            ),
        ]
    }

    /// An in-memory store with the demo corpus and the demo subscribers.
    public static func storeWithSubscribers(at time: Date) throws -> Store {
        let store = try store(at: time)
        // Subscribed a week before, so that their digests are due now.
        for subscriber in subscribers() {
            try store.addSubscriber(subscriber, at: time.addingTimeInterval(-7 * 86400))
        }
        return store
    }

    /// Mail settings for demo runs: example.org addresses and a fixed secret
    /// (demo links are never meant to work).
    public static func mailConfig(_ config: PaperboyConfig? = nil) -> PaperboyConfig {
        var demo = config ?? PaperboyConfig(database: ":memory:", sources: [SourceConfig(name: sourceName, type: .json, url: "file:///dev/null")])
        demo.mail.fromAddress = try! EmailAddress(parsing: "digest@paperboy.example.org")
        demo.mail.fromName = "Paperboy demo"
        demo.mail.baseURL = "https://paperboy.example.org"
        demo.mail.unsubscribeMailto = try! EmailAddress(parsing: "unsubscribe@paperboy.example.org")
        demo.mail.secretFile = nil
        demo.mail.dkim = nil
        return demo
    }

    /// The fixed secret of demo runs.
    public static let demoEnvironment = ["PAPERBOY_SECRET": "paperboy-demo-secret-not-for-real-mail"]
}
