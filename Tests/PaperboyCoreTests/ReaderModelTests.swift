import Foundation
@testable import PaperboyCore
import PaperboyTestSupport
import Testing

/// The learned ranker (`ReaderModel`): "more like this" from likes and
/// Not for me, blended with trending so that a trending paper off the
/// reader's topic does not climb over one on it; deterministic; bounded work.
@Suite struct ReaderModelTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!
    static let seen = at.addingTimeInterval(-3600)

    static func paper(_ id: String, _ title: String, _ abstract: String, upvotes: Int? = nil, seen: Date = ReaderModelTests.seen) -> Paper {
        Paper(id: id, title: title, abstract: abstract, authors: ["A. Author"], categories: ["cs.LG"], firstSeenAt: seen, upvotes: upvotes)
    }

    /// Three papers on protein folding, the rest on other topics; the most
    /// upvoted paper by far is about traffic.
    static let window = [
        paper("2611.00001", "Diffusion models for protein structure folding",
              "We train a denoising diffusion model that folds protein structures from amino acid sequences."),
        paper("2611.00002", "Protein folding with language models of amino acid sequences",
              "A protein language model predicts the folded structure of a protein from its amino acid sequence."),
        paper("2611.00003", "Fast protein structure prediction on one GPU",
              "We predict protein structures and folding pathways quickly, with a smaller model and the same accuracy."),
        paper("2611.00004", "Graph neural networks for traffic forecasting",
              "We forecast road traffic with a graph neural network over sensor readings.", upvotes: 500),
        paper("2611.00005", "Sparse attention for long documents", "Long documents need sparse attention patterns for speed.", upvotes: 20),
        paper("2611.00006", "Reinforcement learning for robot grasping", "A robot learns to grasp objects with reinforcement learning.", upvotes: 10),
        paper("2611.00007", "Speech recognition for low-resource languages", "We recognise speech in languages with little labelled audio.", upvotes: 5),
        paper("2611.00008", "Retrieval-augmented generation for question answering",
              "A language model answers questions with passages it retrieves from a large corpus.", upvotes: 50),
    ]
    static let proteinPapers: Set<String> = ["2611.00001", "2611.00002", "2611.00003"]

    func selector(_ papers: [Paper] = Self.window, liked: [Paper] = [], threads: Int = 1) -> DigestSelector {
        DigestSelector(papers: papers, at: Self.at, lookback: 7 * 86400, ranking: RankingSettings(), likedPapers: liked, threads: threads)
    }

    func prefs(likes: [String], dislikes: [String] = [], query: String? = nil) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try query.map { try Query.parse($0) },
                              likes: likes, dislikes: dislikes)
    }

    @Test func moreLikeThisPutsTheTopicFirstAndTheTrendingPaperAfterIt() throws {
        let digest = selector().select(try prefs(likes: ["2611.00001"]), maxPapers: 10, sent: [])
        #expect(digest.count == 7)
        #expect(Set(digest.prefix(2).map(\.paper.id)) == ["2611.00002", "2611.00003"])
        #expect(digest.first?.learned == 1)
        // The traffic paper has 500 upvotes, but trending only raises what the likes already carry.
        let traffic = try #require(digest.firstIndex { $0.paper.id == "2611.00004" })
        #expect(traffic >= 2)
        // With no likes the same reader would get the traffic paper first.
        #expect(selector().select(try prefs(likes: []), maxPapers: 1, sent: []).first?.paper.id == "2611.00004")
        // Relevance is the query's alone: without a query it is 0, not the likes counted twice.
        #expect(digest.allSatisfy { $0.relevance == 0 })
    }

    @Test func theScoreIsTheFormulaOfItsParts() throws {
        let digest = selector().select(try prefs(likes: ["2611.00001"], query: "protein OR traffic"), maxPapers: 5, sent: [])
        #expect(digest.count == 3)
        for paper in digest {
            let base = 1 * paper.relevance + 1 * paper.learned
            let expected = (base > 0 ? base * (1 + 0.5 * paper.trending) : base) - 1 * paper.dislikeSimilarity
            #expect(abs(paper.score - expected) < 1e-9, "\(paper.paper.id)")
        }
    }

    @Test func aQueryOfFiltersOnlyStillOrdersByTrending() throws {
        // Every paper is by "A. Author": the query filters, it does not rank.
        let digest = selector().select(try prefs(likes: [], query: "author:author"), maxPapers: 3, sent: [])
        #expect(digest.map(\.paper.id) == ["2611.00004", "2611.00008", "2611.00005"])
        #expect(digest.allSatisfy { $0.relevance == 1 })
    }

    @Test func aDislikeLowersItsNearDuplicateBelowAnUnrelatedPaperAlsoForAReaderWithLikes() throws {
        // Liked: protein folding. Not for me: the GPU paper. Its near-duplicate
        // (same words, other order) falls below the unrelated papers.
        let nearDuplicate = Self.paper("2611.00009", "One GPU protein structure prediction, fast",
                                       "Quickly, with the same accuracy and a smaller model, we predict protein folding pathways and structures.")
        let papers = Self.window + [nearDuplicate]
        let before = selector(papers).select(try prefs(likes: ["2611.00001"]), maxPapers: 10, sent: [])
        let after = selector(papers).select(try prefs(likes: ["2611.00001"], dislikes: ["2611.00003"]), maxPapers: 10, sent: [])
        func position(_ id: String, _ list: [RankedPaper]) throws -> Int { try #require(list.firstIndex { $0.paper.id == id }) }
        #expect(try position(nearDuplicate.id, before) < position("2611.00005", before))
        #expect(!after.contains { $0.paper.id == "2611.00003" })
        #expect(try position(nearDuplicate.id, after) > position("2611.00005", after))
        #expect(try #require(after.first { $0.paper.id == nearDuplicate.id }).dislikeSimilarity > 0.5)
    }

    @Test func trainingIsDeterministic() throws {
        let preferences = try prefs(likes: ["2611.00001", "2611.00008"], dislikes: ["2611.00006"])
        let first = selector().explain(preferences, maxPapers: 10, sent: [])
        // Another selector, the papers in another order, the index built on other threads.
        let second = selector(Self.window.reversed(), threads: 3).explain(preferences, maxPapers: 10, sent: [])
        #expect(first.selected.map(\.paper.id) == second.selected.map(\.paper.id))
        #expect(first.selected.map(\.score) == second.selected.map(\.score))
        #expect(first.selected.map(\.learnedTerms) == second.selected.map(\.learnedTerms))
    }

    @Test func explainNamesTheWordsThatPushedAPaper() throws {
        let explanation = selector().explain(try prefs(likes: ["2611.00001"]), maxPapers: 3, sent: [])
        let top = try #require(explanation.selected.first)
        #expect(Self.proteinPapers.contains(top.paper.id))
        #expect(!top.learnedTerms.isEmpty && top.learnedTerms.count <= 3)
        // Words as written in the paper, and on its topic.
        #expect(top.learnedTerms.contains { ["protein", "folding", "structure", "structures", "amino", "acid", "sequences", "sequence"].contains($0.lowercased()) })
        let text = (top.paper.title + " " + top.paper.abstract).lowercased()
        #expect(top.learnedTerms.allSatisfy { text.contains($0.lowercased()) })
        // select() leaves them out: planning does not need them.
        #expect(selector().select(try prefs(likes: ["2611.00001"]), maxPapers: 3, sent: []).allSatisfy(\.learnedTerms.isEmpty))
    }

    @Test func tenThousandLikesTrainOnTheMostRecentThousand() throws {
        // Likes from before the window: 9,000 on other topics, then 1,000 on protein folding.
        let old = Self.at.addingTimeInterval(-90 * 86400)
        let topics = ["traffic forecasting with sensors", "robot grasping with reinforcement learning", "speech recognition of audio"]
        let earlier = (0..<9000).map { k in
            Self.paper(String(format: "2501.%05d", k), "Work on \(topics[k % 3]) number \(k)", "We study \(topics[k % 3]).", seen: old)
        }
        let recent = (0..<1000).map { k in
            Self.paper(String(format: "2502.%05d", k), "Protein structure folding study \(k)", "Amino acid sequences fold into protein structures.", seen: old)
        }
        let likes = (earlier + recent).map(\.id)
        #expect(likes.count == 10_000)
        #expect(DigestSelector.trainingExamples == 1000)

        let selector = selector(liked: earlier + recent)
        #expect(selector.vectors(of: likes).count == DigestSelector.trainingExamples)
        let all = selector.select(try prefs(likes: likes), maxPapers: 5, sent: [])
        let onlyRecent = selector.select(try prefs(likes: recent.map(\.id)), maxPapers: 5, sent: [])
        #expect(all.map(\.paper.id) == onlyRecent.map(\.paper.id))
        #expect(all.map(\.score) == onlyRecent.map(\.score))
        #expect(Set(all.prefix(3).map(\.paper.id)) == Self.proteinPapers)
    }
}

/// The pieces the ranker is made of, on their own.
@Suite struct RankerPartsTests {
    /// A deterministic corpus of `count` papers over a small vocabulary, so papers share words unevenly.
    static func corpus(_ count: Int, seed: UInt64 = 7) -> [Paper] {
        let words = ["protein", "folding", "graph", "traffic", "speech", "audio", "robot", "grasp", "language", "model", "diffusion",
                     "attention", "sparse", "retrieval", "question", "vision", "image", "transfer", "domain", "shift", "continual", "memory"]
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        return (0..<count).map { k in
            let title = (0..<5).map { _ in words[next() % words.count] }.joined(separator: " ")
            let abstract = (0..<30).map { _ in words[next() % words.count] }.joined(separator: " ")
            return Paper(id: String(format: "2611.%05d", k), title: title, abstract: abstract, authors: ["A. Author"], categories: ["cs.LG"],
                         firstSeenAt: ReaderModelTests.seen.addingTimeInterval(Double(-(next() % 5000))), upvotes: next() % 3 == 0 ? nil : next() % 90)
        }
    }

    @Test func theHeaviestAreWhatASortByMagnitudeThenStemIDKeeps() {
        var state: UInt64 = 3
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return state >> 40
        }
        let stems = 3000
        let scratch = RankingScratch(stems: stems)
        let cases: [[(Int32, Float)]] = [
            // Few distinct magnitudes, both signs: many ties, in the bucket that is cut and above it.
            (0..<600).map { _ in (Int32(next() % UInt64(stems)), (Float(next() % 9) + 1) / 8 * (next() % 2 == 0 ? 1 : -1)) },
            // Weights as a reader model has them: many magnitudes over several powers of two.
            (0..<1500).map { _ in (Int32(next() % UInt64(stems)), Float(next() % 1_000_000 + 1) / 1e6 * Float(1 << (next() % 6)) / 64) },
        ]
        for entries in cases {
            var accumulator = SparseAccumulator(scratch: scratch)
            for (id, weight) in entries { accumulator.add(id, weight) }
            let weightByID = Dictionary(uniqueKeysWithValues: accumulator.entries.map { ($0.id, $0.weight) })
            let all = accumulator.entries.sorted { abs($0.weight) != abs($1.weight) ? abs($0.weight) > abs($1.weight) : $0.id < $1.id }
            for count in [1, 7, 128, all.count - 1, all.count, all.count + 5] {
                let heaviest = accumulator.heaviest(count)
                #expect(heaviest.map(\.id).sorted() == all.prefix(count).map(\.id).sorted(), "\(entries.count) entries, count \(count)")
                #expect(heaviest.allSatisfy { weightByID[$0.id] == $0.weight })
            }
            accumulator.reset()
        }
        #expect((0..<stems).allSatisfy { scratch.sums[$0] == 0 })
    }

    @Test func aPaperSetRemovesWhatItHeldAndNothingElse() {
        // Selection takes the sent, liked and disliked papers out of the matches this way.
        var set = PaperSet(count: 130, members: [0, 63, 64, 129])
        set.remove(63)
        set.remove(5)
        #expect(set.indices == [0, 64, 129])
        #expect(!set.contains(63) && set.contains(64))
        var all = PaperSet.all(count: 130)
        all.remove(129)
        all.remove(0)
        #expect(all.indices == Array(1..<129))
    }

    @Test func topKKeepsTheHighestAndBreaksTiesByOrder() {
        let scores: [Double] = [0.5, 0.9, 0.5, 0.1, 0.9, 0.7]
        #expect(TopK.best(3, of: scores.indices) { scores[$0] } == [1, 4, 5])
        #expect(TopK.best(5, of: scores.indices) { scores[$0] } == [1, 4, 5, 0, 2])
        #expect(TopK.best(0, of: scores.indices) { scores[$0] } == [])
        #expect(TopK.best(10, of: [3, 1]) { scores[$0] } == [1, 3])
    }

    @Test func theHeaviestEntriesAreKeptTiesByStemID() {
        let scratch = RankingScratch(stems: 10)
        var accumulator = SparseAccumulator(scratch: scratch)
        accumulator.add(SparseVector([(1, 1), (2, 1), (3, 2), (4, 1), (7, 3)]), times: 1)
        // |values| after normalising: 7 > 3 > 1, 2, 4 (tied): keep 7, 3, then the lowest ids of the tie.
        #expect(accumulator.heaviest(4).map(\.id).sorted() == [1, 2, 3, 7])
        #expect(accumulator.heaviest(10).map(\.id).sorted() == [1, 2, 3, 4, 7])
        accumulator.reset()
        #expect(accumulator.heaviest(4).isEmpty)
        // Reset leaves the scratch as it was: all zero.
        #expect((0..<10).allSatisfy { scratch.sums[$0] == 0 })
        accumulator.add(SparseVector([(5, 1)]), times: -1)
        #expect(accumulator.heaviest(4).map(\.id) == [5])
        #expect(accumulator.heaviest(4).first.map { $0.weight < 0 } == true)
    }

    @Test func scoringOverPostingsAndOverCandidatesAgree() {
        let selector = DigestSelector(papers: Self.corpus(200), at: ReaderModelTests.at, lookback: 7 * 86400, ranking: RankingSettings())
        let matrix = selector.matrix
        let weights: [(id: Int32, weight: Float)] = (0..<Int32(min(12, matrix.stemCount))).map { ($0, Float($0 % 5) / 3 - 0.4) }
        let candidates = Array(stride(from: 0, to: selector.papers.count, by: 3))
        var viaPostings = [Float](repeating: 0, count: selector.papers.count)
        var viaCandidates = viaPostings
        let scratch = RankingScratch(stems: matrix.stemCount)
        ReaderModel.add(weights, meanWeight: 0.45, to: &viaPostings, candidates: candidates, matrix: matrix, scratch: scratch, overCandidates: false)
        ReaderModel.add(weights, meanWeight: 0.45, to: &viaCandidates, candidates: candidates, matrix: matrix, scratch: scratch, overCandidates: true)
        #expect((0..<matrix.stemCount).allSatisfy { scratch.weights[$0] == 0 })
        for paper in candidates {
            #expect(abs(viaPostings[paper] - viaCandidates[paper]) < 1e-5, "paper \(paper)")
        }
        #expect(candidates.contains { abs(viaPostings[$0]) > 1e-3 })
    }

    @Test func theNotForMePenaltyIsTheCosineToTheClosestDislikedPaperForAnyNumberOfThem() {
        let selector = DigestSelector(papers: Self.corpus(80), at: ReaderModelTests.at, lookback: 7 * 86400, ranking: RankingSettings())
        let vectors = selector.relevance.vectors
        let scratch = RankingScratch(stems: selector.matrix.stemCount)
        // One group of eight lanes, exactly full, and several groups, the last one partly filled.
        for count in [1, 5, 8, 9, 20] {
            let disliked = (0..<count).map { vectors[($0 * 7) % 40] }
            DislikePenalty.with(disliked, scratch: scratch) { penalty in
                guard let penalty else { Issue.record("no penalty for \(count)"); return }
                for paper in 40..<80 {
                    // Vectors are unit length: the cosine is the dot product, worked out entry by entry.
                    let expected = disliked.map { vector -> Float in
                        var sum: Float = 0
                        for (k, id) in vectors[paper].ids.enumerated() {
                            if let j = vector.ids.firstIndex(of: id) { sum += vector.values[j] * vectors[paper].values[k] }
                        }
                        return sum
                    }.max()!
                    #expect(abs(penalty.similarity(paper, in: selector.matrix) - Double(expected)) < 1e-5, "\(count) disliked, paper \(paper)")
                }
                // A paper disliked itself is as close as can be.
                #expect(abs(penalty.similarity(0, in: selector.matrix) - 1) < 1e-5)
            }
            #expect((0..<scratch.stemCount).allSatisfy { scratch.starts[$0] == 0 && scratch.counts[$0] == 0 && scratch.marks[$0] == 0 },
                    "the scratch is left as it was (\(count) disliked)")
        }
        DislikePenalty.with([], scratch: scratch) { #expect($0 == nil) }
    }

    @Test func aCandidateScoringExactlyTheBarIsPenalisedToo() throws {
        // Trending 0, no query or likes: every score before the penalty is 1, so the bar ties with every paper
        // not yet looked at. Two topics with no word in common; the Not for me paper is in one, whose papers are
        // the newer half (a skipped one would win on recency) or the older.
        let topicA = ["protein", "folding", "amino", "acid"]
        let topicB = ["traffic", "road", "car", "city"]
        var ranking = RankingSettings()
        ranking.trending = 0
        for variant in 0..<4 {
            let papers = (0..<40).map { k -> Paper in
                let inA = variant < 2 ? k % 2 == 0 : k >= 20
                let words = inA ? topicA : topicB
                let newer = variant % 2 == 0 ? inA : !inA
                return Paper(id: String(format: "2611.%05d", k), title: (words[(k % 4)...] + words[..<(k % 4)]).joined(separator: " "),
                             abstract: words.joined(separator: " "), authors: ["A. Author"], categories: ["cs.LG"],
                             firstSeenAt: ReaderModelTests.seen.addingTimeInterval(Double(newer ? -k : -1000 - k)), upvotes: nil)
            }
            let selector = DigestSelector(papers: papers, at: ReaderModelTests.at, lookback: 7 * 86400, ranking: ranking)
            let preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), dislikes: [papers[variant < 2 ? 0 : 20].id])
            for maxPapers in [1, 2, 3, 5] {
                let lazy = selector.select(preferences, maxPapers: maxPapers, sent: [])
                let full = selector.explain(preferences, maxPapers: maxPapers, sent: []).selected
                #expect(lazy.map(\.paper.id) == full.map(\.paper.id), "variant \(variant), max \(maxPapers)")
                #expect(lazy.map(\.score) == full.map(\.score))
                #expect(lazy.count == maxPapers && lazy.allSatisfy { $0.paper.abstract == topicB.joined(separator: " ") },
                        "the Not for me paper's topic goes below the other (variant \(variant), max \(maxPapers))")
            }
        }
    }

    @Test func theNotForMePenaltyOnlyWhereItMattersGivesTheFullRanking() throws {
        // 60 papers, so the penalty is worked out lazily (more than 4 × max papers).
        let papers = Self.corpus(60)
        let selector = DigestSelector(papers: papers, at: ReaderModelTests.at, lookback: 7 * 86400, ranking: RankingSettings())
        let email = try EmailAddress(parsing: "reader@example.org")
        let cases = [
            SubscriberPreferences(email: email, dislikes: ["2611.00003", "2611.00010"]),
            SubscriberPreferences(email: email, likes: ["2611.00001"], dislikes: ["2611.00003", "2611.00010", "2611.00020"]),
            SubscriberPreferences(email: email, query: try Query.parse("protein OR graph OR language"), likes: ["2611.00005"], dislikes: ["2611.00007"]),
        ]
        for preferences in cases {
            for maxPapers in [1, 3, 10] {
                let lazy = selector.select(preferences, maxPapers: maxPapers, sent: [])
                let full = selector.explain(preferences, maxPapers: maxPapers, sent: []).selected
                #expect(lazy.map(\.paper.id) == full.map(\.paper.id), "\(preferences.dislikes) max \(maxPapers)")
                #expect(lazy.map(\.score) == full.map(\.score))
                #expect(lazy.map(\.dislikeSimilarity) == full.map(\.dislikeSimilarity))
            }
        }
    }

    @Test func trainingIsTheSameOnAnyNumberOfThreadsAndInAnyInputOrder() throws {
        // Over 128 papers: the index is analysed in several slices.
        let papers = Self.corpus(300)
        let preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), likes: ["2611.00002", "2611.00100"],
                                                dislikes: ["2611.00050"])
        let one = DigestSelector(papers: papers, at: ReaderModelTests.at, lookback: 7 * 86400, ranking: RankingSettings(), threads: 1)
            .explain(preferences, maxPapers: 10, sent: [])
        let three = DigestSelector(papers: papers.reversed(), at: ReaderModelTests.at, lookback: 7 * 86400, ranking: RankingSettings(), threads: 3)
            .explain(preferences, maxPapers: 10, sent: [])
        #expect(one.selected.count == 10)
        #expect(one.selected.map(\.paper.id) == three.selected.map(\.paper.id))
        #expect(one.selected.map(\.score) == three.selected.map(\.score))
        #expect(one.selected.map(\.learnedTerms) == three.selected.map(\.learnedTerms))
    }

    @Test func aWeightOfZeroLeavesItsPartOutAndTrendingStillOrders() throws {
        let papers = ReaderModelTests.window
        var ranking = RankingSettings()
        ranking.relevance = 0
        let email = try EmailAddress(parsing: "reader@example.org")
        let byQuery = DigestSelector(papers: papers, at: ReaderModelTests.at, lookback: 7 * 86400, ranking: ranking)
            .select(SubscriberPreferences(email: email, query: try Query.parse("protein OR traffic OR language")), maxPapers: 3, sent: [])
        // The query only filters: the most upvoted match first.
        #expect(byQuery.first?.paper.id == "2611.00004")
        ranking = RankingSettings()
        ranking.likes = 0
        let byLikes = DigestSelector(papers: papers, at: ReaderModelTests.at, lookback: 7 * 86400, ranking: ranking)
            .select(SubscriberPreferences(email: email, likes: ["2611.00001"]), maxPapers: 3, sent: [])
        #expect(byLikes.map(\.paper.id) == ["2611.00004", "2611.00008", "2611.00005"])
        #expect(byLikes.allSatisfy { $0.learned == 0 })
    }
}
