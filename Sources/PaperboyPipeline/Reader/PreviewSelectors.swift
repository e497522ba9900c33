import Foundation
import PaperboyCore
import PaperboyStore
import Synchronization

/// The selector previews use, built once and shared: building one indexes
/// every paper of the last 7 days (most of a preview's cost), while
/// selecting from it for one reader is quick. A built selector is reused
/// while the store's papers are unchanged, the ranking settings are the
/// same, it is less than `maxAge` old, and it knows every liked paper the
/// preview needs (it is built with the likes of every subscriber, so a
/// reader's likes outside the window still count). Concurrent previews
/// wait for one build rather than each building their own.
final class PreviewSelectors: Sendable {
    /// How long a built selector serves previews (its window and trending move with time).
    static let maxAge: Double = 600

    private struct Entry {
        weak var store: Store?
        var paperVersion: Int64
        var ranking: RankingSettings
        var builtAt: Date
        var selector: DigestSelector
        /// The liked papers it was built with.
        var likes: Set<String>
    }

    private let entry = Mutex<Entry?>(nil)

    /// One for the process: previews from every request share it.
    static let shared = PreviewSelectors()

    /// A selector over the papers first seen in the `lookback` before `time`
    /// that knows the papers `likes` names.
    func selector(store: Store, ranking: RankingSettings, lookback: Double, at time: Date, likes: [String]) throws -> DigestSelector {
        let version = try store.changeVersions().papers
        return try entry.withLock { entry in
            if let cached = entry, cached.store === store, cached.paperVersion == version, cached.ranking == ranking,
               abs(time.timeIntervalSince(cached.builtAt)) < Self.maxAge,
               likes.allSatisfy({ cached.likes.contains($0) || cached.selector.papers.contains(id: $0) }) {
                return cached.selector
            }
            var liked = Set(likes)
            for subscriber in try store.subscribers() { liked.formUnion(subscriber.preferences.likes) }
            let papers = try store.papers(firstSeenAfter: time.addingTimeInterval(-lookback), notAfter: time)
            let likedPapers = liked.isEmpty ? [] : try store.papers(ids: Array(liked))
            let selector = DigestSelector(papers: papers, at: time, lookback: lookback, ranking: ranking, likedPapers: likedPapers)
            entry = Entry(store: store, paperVersion: version, ranking: ranking, builtAt: time, selector: selector, likes: liked)
            return selector
        }
    }
}

private extension Array where Element == Paper {
    /// Whether a paper with this id is in the (id-sorted) list.
    func contains(id: String) -> Bool {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low < count && self[low].id == id
    }
}
