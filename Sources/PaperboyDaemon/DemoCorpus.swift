import Foundation
import PaperboyCore
import PaperboyStore

/// The bundled demo corpus: 61 titles and abstracts from a trending-papers
/// listing on transfer learning, carried inside the binary so `--demo` runs
/// need neither network nor config.
public enum DemoCorpus {
    /// The source name demo papers are recorded under.
    public static let sourceName = "demo"

    /// The corpus file's bytes (`Sources/PaperboyDaemon/Resources/demo-corpus.json`).
    public static var bytes: [UInt8] { PackageResources.demo_corpus_json }

    /// The corpus parsed as a `json` source.
    public static func papers(at time: Date) throws -> [Paper] {
        try SourceType.json.parse(bytes, context: FeedContext(sourceName: sourceName, fetchedAt: time)).papers
    }

    /// An in-memory store holding the demo corpus.
    public static func store(at time: Date = Date()) throws -> Store {
        let store = Store.inMemory()
        try store.ingest(try papers(at: time), source: SourceState(name: sourceName), at: time)
        return store
    }
}
