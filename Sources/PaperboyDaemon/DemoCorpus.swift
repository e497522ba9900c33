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

    /// The transfer-learning listing's bytes (`Sources/PaperboyDaemon/Resources/demo-corpus.json`).
    public static var bytes: [UInt8] { PackageResources.demo_corpus_json }

    /// The feed samples' bytes (`Sources/PaperboyDaemon/Resources/demo-feeds.json`).
    public static var feedBytes: [UInt8] { PackageResources.demo_feeds_json }

    /// Both files parsed as `json` sources: 72 papers.
    public static func papers(at time: Date) throws -> [Paper] {
        let context = FeedContext(sourceName: sourceName, fetchedAt: time)
        return try SourceType.json.parse(bytes, context: context).papers + SourceType.json.parse(feedBytes, context: context).papers
    }

    /// An in-memory store holding the demo corpus.
    public static func store(at time: Date = Date()) throws -> Store {
        let store = Store.inMemory()
        try store.ingest(try papers(at: time), source: SourceState(name: sourceName), at: time)
        return store
    }
}
