import Foundation
import PaperboyCore
import PaperboyStore
import Synchronization

/// The selector previews use, built once and shared: building one indexes
/// every paper of the last 7 days (most of a preview's cost), while
/// selecting from it for one reader is quick. A built selector is reused
/// while the store's papers are unchanged, the ranking settings are the
/// same, it is less than `maxAge` old, and it knows every liked and
/// disliked paper the preview needs (it is built with those of every
/// subscriber, so a reader's likes and dislikes outside the window still count). Concurrent previews
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
        /// The liked and disliked papers it was built with.
        var likes: Set<String>
    }

    private let entry = Mutex<Entry?>(nil)

    /// One for the process: previews from every request share it.
    static let shared = PreviewSelectors()

    /// A selector over the papers first seen in the `lookback` before `time`
    /// that knows the papers `preferences` likes and dislikes.
    func selector(store: Store, ranking: RankingSettings, lookback: Double, at time: Date, for preferences: SubscriberPreferences) throws -> DigestSelector {
        let version = try store.changeVersions().papers
        let needed = preferences.likes + preferences.dislikes
        return try entry.withLock { entry in
            if let cached = entry, cached.store === store, cached.paperVersion == version, cached.ranking == ranking,
               abs(time.timeIntervalSince(cached.builtAt)) < Self.maxAge,
               needed.allSatisfy({ cached.likes.contains($0) || cached.selector.papers.contains(id: $0) }) {
                return cached.selector
            }
            var liked = Set(preferences.likes)
            var disliked = Set(preferences.dislikes)
            for subscriber in try store.subscribers() {
                liked.formUnion(subscriber.preferences.likes)
                disliked.formUnion(subscriber.preferences.dislikes)
            }
            let known = liked.union(disliked)
            let papers = try store.papers(firstSeenAfter: time.addingTimeInterval(-lookback), notAfter: time)
            let knownPapers = known.isEmpty ? [] : try store.papers(ids: known.sorted())
            let selector = DigestSelector(papers: papers, at: time, lookback: lookback, ranking: ranking,
                                          likedPapers: knownPapers.filter { liked.contains($0.id) },
                                          dislikedPapers: knownPapers.filter { disliked.contains($0.id) })
            entry = Entry(store: store, paperVersion: version, ranking: ranking, builtAt: time, selector: selector, likes: known)
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
