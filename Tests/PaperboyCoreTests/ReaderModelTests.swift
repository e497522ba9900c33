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
        let digest = selector().select(try prefs(likes: ["2611.00001"]), maxPapers: 4, sent: [])
        #expect(Set(digest.prefix(2).map(\.paper.id)) == ["2611.00002", "2611.00003"])
        #expect(digest.first?.learned == 1)
        // The traffic paper has 500 upvotes, but trending only raises what the likes already carry.
        let traffic = digest.firstIndex { $0.paper.id == "2611.00004" }
        #expect(traffic == nil || traffic! >= 2)
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
