import Foundation

/// Keyword relevance: how well each candidate answers a subscriber's query
/// (BM25F over title and abstract from the run's `RelevanceIndex`), scaled
/// so the subscriber's best candidate is 1.
///
/// The score follows the query's structure: each term (word, phrase,
/// hyphenated word, prefix) is one unit with its own BM25F; AND adds its
/// parts; OR counts its best branch and a small share of the others, so a
/// paper matching one branch strongly is not outranked by one that matches
/// several weakly. NOT, `author:` and `category:` terms only filter.
extension DigestSelector {
    /// How much an OR's weaker branches add, as a share of their scores (the best branch counts fully).
    /// (Measured on scripts/eval-relevance: 0 or 1, the plain maximum or sum, rank worse than 0.2...0.5.)
    static let orShare: Float = 0.3

    /// Per candidate (same order as `candidates`): relevance to `query`, 0...1.
    func queryRelevance(_ query: Query, _ candidates: [Int]) -> [Double] {
        var relevanceScores = [Double](repeating: 0, count: candidates.count)
        guard let scores = queryScores(query.root), !scores.isEmpty else { return relevanceScores }
        // Where each candidate sits in `candidates`, by paper: -1 for non-candidates.
        var slot = [Int32](repeating: -1, count: papers.count)
        for (k, paper) in candidates.enumerated() { slot[paper] = Int32(k) }
        for entry in scores {
            let k = slot[Int(entry.paper)]
            if k >= 0 { relevanceScores[Int(k)] = Double(entry.score) }
        }
        let best = relevanceScores.max() ?? 0
        if best > 0 { relevanceScores = relevanceScores.map { $0 / best } }
        return relevanceScores
    }

    /// Per paper with a positive score, ascending: its relevance to `node`;
    /// nil when the node does not count for relevance (NOT, author, category).
    func queryScores(_ node: QueryNode) -> [(paper: Int32, score: Float)]? {
        switch node {
        case .term(let term):
            guard term.field == nil || term.field == .title || term.field == .abstract else { return nil }
            return relevance.bm25(term: term)
        case .not:
            return nil
        case .and(let items):
            let parts = items.compactMap(queryScores)
            if parts.count <= 1 { return parts.first }
            return Self.merge(parts).map { ($0.paper, $0.sum) }
        case .or(let items):
            let branches = items.compactMap(queryScores)
            if branches.count <= 1 { return branches.first }
            return Self.merge(branches).map { ($0.paper, $0.best + Self.orShare * ($0.sum - $0.best)) }
        }
    }

    /// The union of lists sorted by paper, with per paper the sum and the
    /// best of its scores (summed in list order, so the result is deterministic).
    /// `lists` holds at least one list.
    static func merge(_ lists: [[(paper: Int32, score: Float)]]) -> [(paper: Int32, sum: Float, best: Float)] {
        var merged = lists[0].map { (paper: $0.paper, sum: $0.score, best: $0.score) }
        for list in lists.dropFirst() {
            var next: [(paper: Int32, sum: Float, best: Float)] = []
            next.reserveCapacity(merged.count + list.count)
            var i = 0
            var j = 0
            while i < merged.count || j < list.count {
                if j == list.count || (i < merged.count && merged[i].paper < list[j].paper) {
                    next.append(merged[i])
                    i += 1
                } else if i == merged.count || list[j].paper < merged[i].paper {
                    next.append((list[j].paper, list[j].score, list[j].score))
                    j += 1
                } else {
                    next.append((merged[i].paper, merged[i].sum + list[j].score, max(merged[i].best, list[j].score)))
                    i += 1
                    j += 1
                }
            }
            merged = next
        }
        return merged
    }
}
