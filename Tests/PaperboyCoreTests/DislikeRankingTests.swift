import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// "Not for me" in selection and ranking: the disliked paper never comes
/// back, and papers like it rank lower (`digest.ranking.dislikes`).
@Suite struct DislikeRankingTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!
    static let seen = at.addingTimeInterval(-3600)

    static func paper(_ id: String, _ title: String, _ abstract: String, upvotes: Int, seen: Date = DislikeRankingTests.seen) -> Paper {
        Paper(id: id, title: title, abstract: abstract, authors: ["A. Author"], categories: ["cs.LG"], firstSeenAt: seen, upvotes: upvotes)
    }

    /// Disliked: diffusion for protein folding.
    static let disliked = paper("2611.00001", "Diffusion models for protein structure folding",
                                "We train a denoising diffusion model that folds protein structures from amino acid sequences.", upvotes: 40)
    /// Nearly the same paper, and the most upvoted of all.
    static let nearDuplicate = paper("2611.00002", "Protein structure folding with diffusion models",
                                     "A denoising diffusion model folds protein structures from their amino acid sequences.", upvotes: 100)
    /// Nothing to do with it, fewer upvotes.
    static let unrelated = paper("2611.00003", "Graph neural networks for traffic forecasting",
                                 "We forecast road traffic with a graph neural network over sensor readings.", upvotes: 30)
    static let others = [
        paper("2611.00004", "Sparse attention for long documents", "Long documents need sparse attention patterns for speed.", upvotes: 5),
        paper("2611.00005", "Reinforcement learning for robot grasping", "A robot learns to grasp objects with reinforcement learning.", upvotes: 3),
        paper("2611.00006", "Speech recognition for low-resource languages", "We recognise speech in languages with little labelled audio.", upvotes: 2),
    ]
    static let window = [disliked, nearDuplicate, unrelated] + others

    func selector(_ papers: [Paper] = Self.window, ranking: RankingSettings = RankingSettings(), disliked: [Paper] = []) -> DigestSelector {
        DigestSelector(papers: papers, at: Self.at, lookback: 7 * 86400, ranking: ranking, dislikedPapers: disliked)
    }

    func prefs(dislikes: [String] = [], query: String? = nil) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try query.map { try Query.parse($0) }, dislikes: dislikes)
    }

    func ids(_ papers: [RankedPaper]) -> [String] { papers.map(\.paper.id) }

    func position(_ id: String, _ papers: [RankedPaper]) throws -> Int { try #require(papers.firstIndex { $0.paper.id == id }) }

    @Test func aDislikedPaperIsGoneAndItsNearDuplicateFallsBelowAnUnrelatedPaper() throws {
        let before = selector().select(try prefs(), maxPapers: 10, sent: [])
        // Without the dislike the near-duplicate leads: it has the most upvotes.
        #expect(before.first?.paper.id == Self.nearDuplicate.id)
        #expect(try position(Self.nearDuplicate.id, before) < position(Self.unrelated.id, before))
        #expect(ids(before).contains(Self.disliked.id))

        let after = selector().select(try prefs(dislikes: [Self.disliked.id]), maxPapers: 10, sent: [])
        #expect(!ids(after).contains(Self.disliked.id), "a paper marked Not for me came back")
        #expect(try position(Self.nearDuplicate.id, after) > position(Self.unrelated.id, after))
        let duplicate = try #require(after.first { $0.paper.id == Self.nearDuplicate.id })
        #expect(duplicate.dislikeSimilarity > 0.5)
        let other = try #require(after.first { $0.paper.id == Self.unrelated.id })
        #expect(other.dislikeSimilarity < 0.1)
        // Without query or likes every paper starts at 1, raised by trending, less the penalty.
        #expect(abs(duplicate.score - ((1 + 0.5 * duplicate.trending) - duplicate.dislikeSimilarity)) < 1e-9)

        // Deterministic: the same inputs give the same digest, also from a new selector.
        let again = selector().select(try prefs(dislikes: [Self.disliked.id]), maxPapers: 10, sent: [])
        #expect(ids(again) == ids(after))
        #expect(again.map(\.score) == after.map(\.score))
    }

    @Test func withAQueryTheDislikeStillLowersTheNearDuplicate() throws {
        // The unrelated paper matches the query only once, in its abstract
        // ("road"): an OR counts its best branch, so a paper matching a rarer
        // word in title and abstract (such as "traffic") would lead on
        // relevance alone, before any dislike.
        let query = "protein OR diffusion OR road"
        let before = selector().select(try prefs(query: query), maxPapers: 10, sent: [])
        let after = selector().select(try prefs(dislikes: [Self.disliked.id], query: query), maxPapers: 10, sent: [])
        #expect(ids(before).contains(Self.disliked.id))
        #expect(!ids(after).contains(Self.disliked.id))
        #expect(try position(Self.nearDuplicate.id, before) < position(Self.unrelated.id, before))
        #expect(try position(Self.nearDuplicate.id, after) > position(Self.unrelated.id, after))
    }

    @Test func weightZeroKeepsThePaperOutButDropsThePenalty() throws {
        var ranking = RankingSettings()
        ranking.dislikes = 0
        let digest = selector(ranking: ranking).select(try prefs(dislikes: [Self.disliked.id]), maxPapers: 10, sent: [])
        #expect(!ids(digest).contains(Self.disliked.id))
        #expect(digest.first?.paper.id == Self.nearDuplicate.id)
    }

    @Test func aDislikedPaperFromBeforeTheWindowCountsToo() throws {
        var old = Self.disliked
        old.id = "2501.00001"
        old.firstSeenAt = Self.at.addingTimeInterval(-60 * 86400)
        let window = [Self.nearDuplicate, Self.unrelated] + Self.others
        let without = selector(window).select(try prefs(dislikes: [old.id]), maxPapers: 10, sent: [])
        // Not loaded: nothing to compare with, so no penalty.
        #expect(without.first?.paper.id == Self.nearDuplicate.id)
        let with = selector(window, disliked: [old]).select(try prefs(dislikes: [old.id]), maxPapers: 10, sent: [])
        #expect(try position(Self.nearDuplicate.id, with) > position(Self.unrelated.id, with))
    }

    @Test func explainSaysMarkedNotForMeAndShowsThePenalty() throws {
        let explanation = selector().explain(try prefs(dislikes: [Self.disliked.id]), maxPapers: 10, sent: [Self.disliked.id])
        let left = try #require(explanation.excluded.first { $0.paper.id == Self.disliked.id })
        // Marked Not for me wins over "already sent": it says why it stays out for good.
        #expect(left.reason == .disliked)
        #expect(left.reason.explanation == "marked Not for me")
        let duplicate = try #require(explanation.selected.first { $0.paper.id == Self.nearDuplicate.id })
        #expect(duplicate.dislikeSimilarity > 0.5)

        let onlyDisliked = selector([Self.disliked]).explain(try prefs(dislikes: [Self.disliked.id]), maxPapers: 10, sent: [])
        #expect(onlyDisliked.selected.isEmpty)
        #expect(onlyDisliked.emptyReason?.contains("marked Not for me") == true)
    }

    @Test func theWeightIsAConfigKey() throws {
        let sources = "sources: [{name: a, type: json, url: 'file:///x'}]"
        let config = try PaperboyConfig.parse("database: x.db\ndigest: {ranking: {likes: 1, dislikes: 2.5}}\n\(sources)", file: "paperboy.yaml")
        #expect(config.digest.ranking.dislikes == 2.5)
        #expect(try PaperboyConfig.parse("database: x.db\n\(sources)", file: "paperboy.yaml").digest.ranking.dislikes == 1)
        let bad = #expect(throws: ConfigError.self) {
            try PaperboyConfig.parse("database: x.db\ndigest: {ranking: {dislikes: -1}}\n\(sources)", file: "paperboy.yaml")
        }
        #expect(bad?.key == "digest.ranking.dislikes")
        #expect(bad?.message.contains("not a weight") == true)
    }
}
