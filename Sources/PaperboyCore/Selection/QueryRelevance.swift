import Foundation

/// Keyword relevance: how well each candidate answers a subscriber's query
/// (BM25F over title and abstract from the run's `RelevanceIndex`), scaled
/// so the subscriber's best candidate is 1.
extension DigestSelector {
    /// Per candidate (same order as `candidates`): relevance to `query`, 0...1.
    func queryRelevance(_ query: Query, _ candidates: [Int]) -> [Double] {
        var relevanceScores = [Double](repeating: 0, count: candidates.count)
        let terms = Self.relevanceTerms(query.root)
        if !terms.isEmpty {
            // Where each candidate sits in `candidates`, by paper: -1 for non-candidates.
            var slot = [Int32](repeating: -1, count: papers.count)
            for (k, paper) in candidates.enumerated() { slot[paper] = Int32(k) }
            for term in terms {
                let scores: [(paper: Int32, score: Float)]
                switch term {
                case .stem(let stem): scores = relevance.bm25(stem: stem)
                case .prefix(let prefix): scores = relevance.bm25(prefix: prefix)
                }
                for entry in scores {
                    let k = slot[Int(entry.paper)]
                    if k >= 0 { relevanceScores[Int(k)] += Double(entry.score) }
                }
            }
            let best = relevanceScores.max() ?? 0
            if best > 0 { relevanceScores = relevanceScores.map { $0 / best } }
        }
        return relevanceScores
    }

    /// One scoring unit of a query for relevance: a whole word by its stem,
    /// or the prefix of a `word*` term, which scores like the words it expands to.
    enum RelevanceTerm: Hashable {
        case stem(String)
        case prefix(String)
    }

    /// The query's words that count for relevance: positive terms on title
    /// or abstract. A prefix term's last word counts as its prefix (scored
    /// over the words starting with it); its other words as stems.
    static func relevanceTerms(_ node: QueryNode) -> [RelevanceTerm] {
        var terms: [RelevanceTerm] = []
        func add(_ term: RelevanceTerm) {
            if !terms.contains(term) { terms.append(term) }
        }
        func walk(_ node: QueryNode, positive: Bool) {
            switch node {
            case .term(let term):
                guard positive, term.field == nil || term.field == .title || term.field == .abstract else { return }
                for (k, word) in term.words.enumerated() {
                    add(term.isPrefix && k == term.words.count - 1 ? .prefix(word) : .stem(PorterStemmer.stem(word)))
                }
            case .and(let items), .or(let items):
                for item in items { walk(item, positive: positive) }
            case .not(let inner):
                walk(inner, positive: !positive)
            }
        }
        walk(node, positive: true)
        return terms
    }
}
