import Foundation

/// Ranking: the one formula that orders a subscriber's candidates.
///
/// score = (relevance weight × relevance + likes weight × learned)
///         × (1 + trending weight × trending) − dislikes weight × Not-for-me similarity
///
/// Relevance answers the query (`QueryRelevance.swift`), the learned score
/// the likes (`ReaderModel`); with neither, every candidate starts at 1.
/// Trending raises a paper in proportion to what it already has, so a
/// trending paper off the reader's topic does not climb over one on it
/// (added instead, it put the window's two upvoted papers into every
/// "more like this" digest). The penalty is the cosine similarity to the
/// closest paper the reader marked Not for me.
extension DigestSelector {
    /// The best `limit` of `candidates` (window positions), best first, by
    /// (score, recency, id). `explaining` adds each paper's learned terms.
    func rank(_ candidates: [Int], _ preferences: SubscriberPreferences, limit: Int, explaining: Bool = false) -> [RankedPaper] {
        guard !candidates.isEmpty, limit > 0 else { return [] }
        return scratchPool.withScratch { rank(candidates, preferences, limit: limit, explaining: explaining, scratch: $0) }
    }

    private func rank(_ candidates: [Int], _ preferences: SubscriberPreferences, limit: Int, explaining: Bool, scratch: RankingScratch) -> [RankedPaper] {
        let count = candidates.count
        var relevanceScores = preferences.query.map { queryRelevance($0, candidates) } ?? [Double](repeating: 0, count: count)
        if preferences.query != nil && !relevanceScores.contains(where: { $0 > 0 }) {
            // A query of filters only (author:, category:, NOT) ranks nothing: every match answers it alike.
            relevanceScores = [Double](repeating: 1, count: count)
        }
        let disliked = vectors(of: preferences.dislikes)
        let model = preferences.likes.isEmpty || ranking.likes == 0 ? nil
            : ReaderModel(liked: vectors(of: preferences.likes), disliked: disliked, candidates: candidates, matrix: matrix, scratch: scratch)
        // The learned score, scaled like relevance into -1...1: the candidate
        // the model is surest about (nearly always the best) gets 1 or -1.
        let learnedScale = model.map { model in candidates.reduce(0) { max($0, abs(Double(model.scores[$1]))) } } ?? 0
        func learned(_ k: Int) -> Double {
            guard let model, learnedScale > 0 else { return 0 }
            return Double(model.scores[candidates[k]]) / learnedScale
        }
        // With a part that orders (a weight above 0), the base comes from it; otherwise every candidate starts at 1.
        let answersSomething = (preferences.query != nil && ranking.relevance > 0) || model != nil
        var scores = (0..<count).map { k in
            score(base: answersSomething ? base(relevance: relevanceScores[k], learned: learned(k)) : 1, trending: trending[candidates[k]], dislike: 0)
        }
        let dislikes = penalise(&scores, candidates, disliked, limit: limit, scratch: scratch)

        // The best `limit` by (score, recency, id), without sorting every candidate.
        let best = TopK.best(limit, of: 0..<count) { [papers, recency] a, b in
            if scores[a] != scores[b] { return scores[a] > scores[b] }
            let (pa, pb) = (candidates[a], candidates[b])
            if recency[pa] != recency[pb] { return recency[pa] > recency[pb] }
            return papers[pa].id < papers[pb].id
        }
        let termMatches = preferences.query.map(index.termMatches) ?? []
        let modelWeights = explaining ? model?.weightByTerm : nil
        return best.map { k in
            var paper = ranked(candidates[k], base: answersSomething ? base(relevance: relevanceScores[k], learned: learned(k)) : 1,
                               relevance: relevanceScores[k], learned: learned(k), dislike: dislikes[k], termMatches: termMatches)
            if let model, let modelWeights { paper.learnedTerms = learnedTerms(candidates[k], model, weights: modelWeights) }
            return paper
        }
    }

    /// Relevance and the learned score, weighted and added.
    func base(relevance: Double, learned: Double) -> Double {
        ranking.relevance * relevance + ranking.likes * learned
    }

    /// The blended score (the formula above) from its parts.
    func score(base: Double, trending: Double, dislike: Double) -> Double {
        (base > 0 ? base * (1 + ranking.trending * trending) : base) - penalty(dislike)
    }

    /// What the Not for me similarity takes from a score.
    func penalty(_ dislike: Double) -> Double {
        ranking.dislikes * dislike
    }

    func ranked(_ paper: Int, base: Double, relevance: Double, learned: Double, dislike: Double = 0,
                termMatches: [(written: String, papers: PaperSet)]) -> RankedPaper {
        RankedPaper(
            paper: papers[paper], score: score(base: base, trending: trending[paper], dislike: dislike),
            relevance: relevance, trending: trending[paper], learned: learned,
            matchedTerms: PaperIndex.matchedTerms(termMatches, paper: paper), dislikeSimilarity: dislike
        )
    }

    /// The vectors of the most recent `ReaderModel.maxExamples` of `ids`
    /// that are stored (in the window or added from outside it).
    func vectors(of ids: [String]) -> [SparseVector] {
        let (window, outside) = (relevance.vectors, outsideVectors)
        return ids.suffix(ReaderModel.maxExamples).compactMap { id in positionByID[id].map { window[$0] } ?? outside[id] }
    }

    /// Subtracts the Not for me penalty from `scores` and returns each
    /// candidate's similarity to its closest Not for me paper (`disliked`).
    /// Exact for every candidate that can reach the best `limit`: it is
    /// worked out for the best `limit` by score without it, whose lowest
    /// score with it is the bar; then for the others whose score without it
    /// reaches the bar, highest first, the bar rising as better scores come
    /// in. A penalty only lowers a score, so the rest cannot reach the best
    /// `limit`; they keep 0 and their score without it.
    private func penalise(_ scores: inout [Double], _ candidates: [Int], _ disliked: [SparseVector], limit: Int,
                          scratch: RankingScratch) -> [Double] {
        var similarities = [Double](repeating: 0, count: candidates.count)
        guard ranking.dislikes > 0 else { return similarities }
        DislikePenalty.with(disliked, scratch: scratch) { closest in
            guard let closest else { return }
            func apply(_ k: Int) {
                similarities[k] = closest.similarity(candidates[k], in: matrix)
                scores[k] -= penalty(similarities[k])
            }
            guard candidates.count > 4 * limit else {
                for k in candidates.indices { apply(k) }
                return
            }
            let leaders = TopK.best(limit, of: scores.indices) { scores[$0] }
            for k in leaders { apply(k) }
            // The best `limit` scores with the penalty so far; the bar is the lowest.
            var best = leaders.map { scores[$0] }
            var bar = best.min()!
            var rest = candidates.indices.filter { scores[$0] >= bar && !leaders.contains($0) }
            rest.sort { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            for k in rest {
                if scores[k] < bar { break }
                apply(k)
                if scores[k] > bar {
                    best[best.firstIndex(of: bar)!] = scores[k]
                    bar = best.min()!
                }
            }
        }
        return similarities
    }

    /// The words that added most to a paper's learned score, as written in
    /// it (the first of its words with each stem), at most three.
    func learnedTerms(_ paper: Int, _ model: ReaderModel, weights: [Int32: Float]) -> [String] {
        let top = model.contributions(relevance.vectors[paper], matrix: matrix, weights: weights).prefix(3)
        guard !top.isEmpty else { return [] }
        var words: [Int32: String] = [:]
        for word in TextAnalyzer.words(papers[paper].title + " " + papers[paper].abstract) {
            if let id = relevance.stemID(PorterStemmer.stem(word)), words[id] == nil { words[id] = word }
        }
        return top.compactMap { words[$0.id] }
    }
}
