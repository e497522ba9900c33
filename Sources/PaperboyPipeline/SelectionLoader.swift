import Foundation
import PaperboyCore
import PaperboyStore

/// Loads what a selection run needs from the store in a few bulk queries:
/// the papers in the look-back window, the papers subscribers liked or
/// marked "Not for me" (outside the window too), and the sent log of the window.
public struct SelectionLoader: Sendable {
    public let store: Store
    public let digest: DigestSettings

    public init(store: Store, digest: DigestSettings) {
        self.store = store
        self.digest = digest
    }

    /// A selector over the papers first seen in the window before `at`.
    public func selector(at: Date, subscribers: some Sequence<Subscriber>) throws -> DigestSelector {
        try selector(window: windowSelector(at: at), subscribers: subscribers)
    }

    /// A selector over the papers first seen in the window before `at`, with
    /// nobody's liked or disliked papers yet: it does not depend on who is
    /// due, so a run can build it while it finds that out.
    public func windowSelector(at: Date) throws -> DigestSelector {
        // Never before the sent log's prune horizon: older sends are forgotten.
        let windowStart = max(at.addingTimeInterval(-digest.lookback), try store.sentLogHorizon() ?? .distantPast)
        let window = try store.papers(firstSeenAfter: windowStart, notAfter: at)
        return DigestSelector(papers: window, at: at, lookback: digest.lookback, ranking: digest.ranking)
    }

    /// `window` (from `windowSelector(at:)`) with the papers `subscribers`
    /// liked or marked "Not for me", which may be outside the window.
    public func selector(window: DigestSelector, subscribers: some Sequence<Subscriber>) throws -> DigestSelector {
        // Only the most recent likes and dislikes train a reader's model.
        let recent = DigestSelector.trainingExamples
        let likedIDs = Set(subscribers.flatMap { $0.preferences.likes.suffix(recent) })
        let dislikedIDs = Set(subscribers.flatMap { $0.preferences.dislikes.suffix(recent) })
        let known = likedIDs.union(dislikedIDs)
        guard !known.isEmpty else { return window }
        let papers = try store.papers(ids: known.sorted())
        return window.adding(likedPapers: papers.filter { likedIDs.contains($0.id) },
                             dislikedPapers: papers.filter { dislikedIDs.contains($0.id) })
    }

    /// Paper ids already sent, per subscriber id: only sends inside the
    /// window matter, since a candidate was first seen inside it.
    public func sentPapers(at: Date) throws -> [Int64: Set<String>] {
        try store.sentPaperIDs(since: at.addingTimeInterval(-digest.lookback))
    }
}
