import Foundation

/// Chooses and orders the papers of each subscriber's digest at one moment.
///
/// Built once per run over the papers in the look-back window: matching is
/// set-based (`PaperIndex`), relevance and the papers' vectors come from a
/// shared `RelevanceIndex` (by stem in `TermMatrix`), and trending is
/// computed once per paper, so each subscriber costs set operations, a
/// small model of their likes and a scan of their own candidates, never a
/// database round trip. The same inputs always give the same digest.
public final class DigestSelector: Sendable {
    public let at: Date
    public let windowStart: Date
    public let ranking: RankingSettings
    /// The papers first seen in the window (after `windowStart`, not after `at`), by id.
    public let papers: [Paper]
    let index: PaperIndex
    let relevance: RelevanceIndex
    /// Per paper: log(1 + upvotes), halved every half-life since first seen, scaled to 0...1.
    let trending: [Double]
    /// Per paper: its date for tie-breaks (published, else first seen).
    let recency: [Double]
    /// Per paper: its upvotes (none: 0), for min_upvotes without reading each `Paper`.
    let upvotes: [Int]
    /// Papers by (trending, recency, id): the order of a digest without query or likes.
    let trendingOrder: [Int]
    let positionByID: [String: Int]
    /// TF-IDF vectors of liked and disliked papers outside the window, by id.
    let outsideVectors: [String: SparseVector]
    /// The window's vectors by stem, for the readers' models (`ReaderModel`).
    let matrix: TermMatrix
    /// Working memory for ranking, one per thread that ranks at once.
    let scratchPool: RankingScratch.Pool

    /// - Parameters:
    ///   - papers: the papers first seen in the window (others are ignored).
    ///   - likedPapers: papers subscribers liked that may be outside the window.
    ///   - dislikedPapers: papers subscribers marked "Not for me" that may be outside the window.
    public convenience init(papers candidates: [Paper], at: Date, lookback: Double, ranking: RankingSettings, likedPapers: [Paper] = [], dislikedPapers: [Paper] = []) {
        self.init(papers: candidates, at: at, lookback: lookback, ranking: ranking, likedPapers: likedPapers, dislikedPapers: dislikedPapers,
                  threads: ParallelBuild.defaultThreads)
    }

    /// The same selector, its indexes built on up to `threads` threads
    /// (the result does not depend on how many).
    init(papers candidates: [Paper], at: Date, lookback: Double, ranking: RankingSettings, likedPapers: [Paper] = [], dislikedPapers: [Paper] = [],
         threads: Int) {
        self.at = at
        windowStart = at.addingTimeInterval(-lookback)
        self.ranking = ranking
        let window = candidates
            .filter { $0.firstSeenAt > at.addingTimeInterval(-lookback) && $0.firstSeenAt <= at }
            .sorted { $0.id < $1.id }
        papers = window
        // Titles and abstracts are split into words and stemmed once, on every
        // core; then the query index and the relevance index are built side by side.
        let analyzed = AnalyzedFields(papers: window, threads: threads)
        (index, relevance) = ParallelBuild.both(threads: threads,
                                                { PaperIndex(papers: window, analyzed: analyzed) },
                                                { RelevanceIndex(analyzed, titleWeight: ranking.titleWeight) })
        positionByID = Dictionary(window.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        recency = window.map { ($0.publishedAt ?? $0.firstSeenAt).timeIntervalSince1970 }
        upvotes = window.map { $0.upvotes ?? 0 }
        let raw = window.map { paper -> Double in
            let upvotes = Double(max(0, paper.upvotes ?? 0))
            // Age since Paperboy first saw it: a paper trends when it appears
            // in a feed, however long ago it was first submitted to arXiv.
            let age = max(0, at.timeIntervalSince(paper.firstSeenAt))
            return log1p(upvotes) * pow(0.5, age / max(1, ranking.halfLife))
        }
        let top = raw.max() ?? 0
        trending = top > 0 ? raw.map { $0 / top } : raw.map { _ in 0 }
        let trendingCopy = trending
        let recencyCopy = recency
        trendingOrder = window.indices.sorted { a, b in
            if trendingCopy[a] != trendingCopy[b] { return trendingCopy[a] > trendingCopy[b] }
            if recencyCopy[a] != recencyCopy[b] { return recencyCopy[a] > recencyCopy[b] }
            return window[a].id < window[b].id
        }
        outsideVectors = Self.vectors(outside: likedPapers + dislikedPapers, positionByID: positionByID, relevance: relevance, ranking: ranking)
        matrix = TermMatrix(vectors: relevance.vectors, stemCount: relevance.stemCount)
        scratchPool = RankingScratch.Pool(stems: relevance.stemCount)
    }

    /// This selector with liked and disliked papers from outside the window
    /// added: the same as one built with them. Planning builds the index
    /// while it finds out who is due, then adds what those subscribers liked
    /// or marked "Not for me".
    public func adding(likedPapers: [Paper], dislikedPapers: [Paper]) -> DigestSelector {
        let added = Self.vectors(outside: likedPapers + dislikedPapers, positionByID: positionByID, relevance: relevance, ranking: ranking)
        return DigestSelector(self, outsideVectors: outsideVectors.merging(added) { known, _ in known })
    }

    /// A copy of `base` but for the vectors of papers outside the window.
    private init(_ base: DigestSelector, outsideVectors: [String: SparseVector]) {
        at = base.at
        windowStart = base.windowStart
        ranking = base.ranking
        papers = base.papers
        index = base.index
        relevance = base.relevance
        trending = base.trending
        recency = base.recency
        upvotes = base.upvotes
        trendingOrder = base.trendingOrder
        positionByID = base.positionByID
        matrix = base.matrix
        scratchPool = base.scratchPool
        self.outsideVectors = outsideVectors
    }

    /// The TF-IDF vectors of the papers among `papers` that are not in the
    /// window (`positionByID`), by id; the first of a repeated id counts.
    private static func vectors(outside papers: [Paper], positionByID: [String: Int], relevance: RelevanceIndex,
                                ranking: RankingSettings) -> [String: SparseVector] {
        var outside: [String: SparseVector] = [:]
        for paper in papers where positionByID[paper.id] == nil && outside[paper.id] == nil {
            outside[paper.id] = relevance.vector(title: paper.title, abstract: paper.abstract, titleWeight: ranking.titleWeight)
        }
        return outside
    }

    /// How many of a subscriber's most recent likes (and of their Not for me
    /// papers) train their model; earlier ones are not read.
    public static var trainingExamples: Int { ReaderModel.maxExamples }

    /// The digest for one subscriber: at most `maxPapers` papers, best first.
    /// `sent` holds the ids of papers already sent to them. A paper they
    /// liked or marked "Not for me" is never selected.
    public func select(_ preferences: SubscriberPreferences, maxPapers: Int, sent: Set<String>) -> [RankedPaper] {
        let matched = matchSet(preferences)
        if preferences.query == nil && preferences.likes.isEmpty && preferences.dislikes.isEmpty {
            // Plain "trending papers": walk the shared trending order.
            var result: [RankedPaper] = []
            for paper in trendingOrder where result.count < maxPapers {
                guard matched.contains(paper), passes(paper, preferences), !sent.contains(papers[paper].id) else { continue }
                result.append(ranked(paper, base: 1, relevance: 0, learned: 0, termMatches: []))
            }
            return result
        }
        // Sent, liked and disliked papers by position: a few lookups instead of hashing every candidate's id.
        var candidates = matched
        for id in sent { if let position = positionByID[id] { candidates.remove(position) } }
        for ids in [preferences.likes, preferences.dislikes] {
            for id in ids { if let position = positionByID[id] { candidates.remove(position) } }
        }
        return rank(candidates.indices.filter { passes($0, preferences) }, preferences, limit: maxPapers)
    }

    /// What `paperboy explain` shows: the digest, every other paper with the
    /// reason it was left out, and a sentence when the digest is empty.
    /// `outside` are stored papers outside the window, listed when they match.
    public func explain(_ preferences: SubscriberPreferences, maxPapers: Int, sent: Set<String>, outside: [Paper] = [], storeIsEmpty: Bool = false, latestFirstSeen: Date? = nil) -> DigestExplanation {
        let matched = matchSet(preferences)
        // Papers the subscriber's filter would match but for its categories:
        // those without any category are left out for want of data, not of interest.
        var uncategorised = preferences
        uncategorised.categories = []
        let matchedButForCategories = preferences.categories.isEmpty ? PaperSet(count: papers.count) : matchSet(uncategorised)
        var excluded: [ExcludedPaper] = []
        var candidates: [Int] = []
        var belowMin = 0
        var alreadySent = 0
        var disliked = 0
        var withoutCategories = 0
        let dislikes = Set(preferences.dislikes)
        for paper in papers.indices {
            if !matched.contains(paper) {
                let unknown = papers[paper].categories.isEmpty && matchedButForCategories.contains(paper)
                if unknown { withoutCategories += 1 }
                excluded.append(ExcludedPaper(paper: papers[paper], reason: unknown ? .noCategories : .noMatch))
            } else if !passes(paper, preferences) {
                belowMin += 1
                excluded.append(ExcludedPaper(paper: papers[paper], reason: .belowMinUpvotes))
            } else if dislikes.contains(papers[paper].id) {
                // Before "already sent": most were sent, and this says why they stay out.
                disliked += 1
                excluded.append(ExcludedPaper(paper: papers[paper], reason: .disliked))
            } else if sent.contains(papers[paper].id) {
                alreadySent += 1
                excluded.append(ExcludedPaper(paper: papers[paper], reason: .alreadySent))
            } else if preferences.likes.contains(papers[paper].id) {
                // They know it: it is the reason for "more like these", not news.
                alreadySent += 1
                excluded.append(ExcludedPaper(paper: papers[paper], reason: .liked))
            } else {
                candidates.append(paper)
            }
        }
        let ordered = rank(candidates, preferences, limit: candidates.count, explaining: true)
        let selected = Array(ordered.prefix(maxPapers))
        excluded = ordered.dropFirst(maxPapers).map { ExcludedPaper(paper: $0.paper, reason: .cutByMaxPapers, ranked: $0) } + excluded
        if !outside.isEmpty {
            let outsideIndex = PaperIndex(papers: outside)
            let outsideMatches = outsideIndex.matchSet(filterNode(preferences))
            for paper in outsideMatches.indices {
                excluded.append(ExcludedPaper(paper: outside[paper], reason: .outsideWindow))
            }
        }

        var reason: String?
        if selected.isEmpty {
            let days = Self.describe(duration: at.timeIntervalSince(windowStart))
            if papers.isEmpty {
                if storeIsEmpty {
                    reason = "Nothing was fetched in the \(days) before \(Self.describe(at)): the store holds no papers yet; run `paperboy fetch` and check the sources."
                } else {
                    let newest = latestFirstSeen.map { " (the newest paper was first seen \(Self.describe($0)))" } ?? ""
                    reason = "Nothing was fetched in the \(days) before \(Self.describe(at))\(newest): check that `paperboy fetch` runs and the sources answer."
                }
            } else if matched.isEmpty {
                reason = "None of the \(papers.count) papers first seen in the \(days) before \(Self.describe(at)) matched the subscriber's query, categories or authors."
                    + (withoutCategories == 0 ? "" : " \(withoutCategories) of them would match but carry no categories (Hugging Face lists none; an arxiv source with the same paper adds them).")
            } else if disliked > 0 && belowMin == 0 {
                reason = "Every paper that matched (\(alreadySent + disliked)) was already sent to this subscriber or marked Not for me by them (\(disliked))."
            } else if alreadySent > 0 && belowMin == 0 {
                reason = "Every paper that matched (\(alreadySent)) was already sent to this subscriber."
            } else if belowMin > 0 && alreadySent == 0 && disliked == 0 {
                reason = "\(belowMin) paper\(belowMin == 1 ? "" : "s") matched, but none has the \(preferences.minUpvotes) upvotes the subscriber asks for (min_upvotes)."
            } else {
                reason = "Of the papers that matched, \(alreadySent) were already sent, \(disliked == 0 ? "" : "\(disliked) marked Not for me, ")and \(belowMin) have fewer than \(preferences.minUpvotes) upvotes (min_upvotes)."
            }
        }
        return DigestExplanation(selected: selected, excluded: excluded, emptyReason: reason)
    }

    // MARK: Matching

    /// Query, categories (any of) and authors (any of), as one tree.
    func filterNode(_ preferences: SubscriberPreferences) -> QueryNode {
        var parts: [QueryNode] = []
        if let query = preferences.query { parts.append(query.root) }
        let categories = preferences.categories.map { QueryNode.term(QueryTerm(field: .category, words: TextAnalyzer.words($0))) }
        if !categories.isEmpty { parts.append(.or(categories)) }
        let authors = preferences.authors.map { QueryNode.term(QueryTerm(field: .author, words: TextAnalyzer.words($0))) }
        if !authors.isEmpty { parts.append(.or(authors)) }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    func matchSet(_ preferences: SubscriberPreferences) -> PaperSet {
        if preferences.query == nil && preferences.categories.isEmpty && preferences.authors.isEmpty {
            return PaperSet.all(count: papers.count)
        }
        return index.matchSet(filterNode(preferences))
    }

    /// At least min_upvotes (no upvote data counts as 0).
    func passes(_ paper: Int, _ preferences: SubscriberPreferences) -> Bool {
        upvotes[paper] >= preferences.minUpvotes
    }

    static func describe(duration: Double) -> String {
        let days = duration / 86400
        if days == days.rounded() { return Int(days) == 1 ? "day" : "\(Int(days)) days" }
        let hours = duration / 3600
        return hours == hours.rounded() ? "\(Int(hours)) hours" : "\(Int(duration)) seconds"
    }

    /// A moment as `2026-11-30 08:01Z`, for messages (`DateFormats.minute`).
    public static func describe(_ date: Date) -> String {
        DateFormats.minute(date)
    }
}
