import Foundation
@testable import PaperboyCLI
import PaperboyCore
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Hugging Face papers carry no categories: the arXiv record of the same
/// paper supplies them, and `explain` says when a category filter meets a
/// paper without any.
@Suite struct HuggingFaceCategoryTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!

    static func huggingFace(version: Int? = nil, upvotes: Int = 12) -> Paper {
        Paper(id: "2508.13426", version: version, title: "Sparse transformers for graphs", abstract: "We sparsify attention.",
              authors: ["Ada Lovelace"], firstSeenAt: at.addingTimeInterval(-3600), upvotes: upvotes, sources: ["hf"])
    }

    static func arxiv() -> Paper {
        Paper(id: "2508.13426", version: 1, title: "Sparse transformers for graphs", abstract: "We sparsify attention.",
              authors: ["Ada Lovelace"], categories: ["cs.LG", "cs.AI"], firstSeenAt: at.addingTimeInterval(-1800), sources: ["cs-lg"])
    }

    func storedCategories(_ batches: [(Paper, String)], engine: StoreEngine) throws -> [String] {
        let store = try engine.makeStore()
        for (k, (paper, source)) in batches.enumerated() {
            try store.ingest([paper], source: SourceState(name: source), at: Self.at.addingTimeInterval(Double(k) * 60))
        }
        return try #require(try store.paper(id: "2508.13426")).categories
    }

    @Test(arguments: StoreEngine.allCases) func theArxivRecordsCategoriesLandOnTheRowWhicheverComesFirst(engine: StoreEngine) throws {
        // Hugging Face first, then arXiv.
        #expect(try storedCategories([(Self.huggingFace(), "hf"), (Self.arxiv(), "cs-lg")], engine: engine) == ["cs.LG", "cs.AI"])
        // arXiv first, then Hugging Face, then Hugging Face again (new upvotes, still no categories).
        #expect(try storedCategories([(Self.arxiv(), "cs-lg"), (Self.huggingFace(), "hf"), (Self.huggingFace(upvotes: 30), "hf")], engine: engine) == ["cs.LG", "cs.AI"])
        // A Hugging Face record naming a later version (authoritative for title and abstract) keeps them too.
        #expect(try storedCategories([(Self.arxiv(), "cs-lg"), (Self.huggingFace(version: 2), "hf")], engine: engine) == ["cs.LG", "cs.AI"])
    }

    @Test(arguments: StoreEngine.allCases) func aCategorySubscriberGetsTheHuggingFacePaperOnceArxivKnowsIt(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.ingest([Self.huggingFace()], source: SourceState(name: "hf"), at: Self.at.addingTimeInterval(-3600))
        try store.ingest([Self.arxiv()], source: SourceState(name: "cs-lg"), at: Self.at.addingTimeInterval(-1800))
        var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"))
        preferences.categories = ["cs.LG"]
        let selector = DigestSelector(papers: try store.papers(), at: Self.at, lookback: 86400, ranking: RankingSettings())
        let digest = selector.select(preferences, maxPapers: 10, sent: [])
        #expect(digest.map(\.paper.id) == ["2508.13426"])
        #expect(digest.first?.paper.upvotes == 12)
    }

    @Test func explainSaysWhenACategoryFilterMeetsAPaperWithoutCategories() throws {
        let other = Paper(id: "2508.20000", title: "Protein folding", abstract: "Biology.", categories: ["q-bio.BM"],
                          firstSeenAt: Self.at.addingTimeInterval(-600))
        let selector = DigestSelector(papers: [Self.huggingFace(), other], at: Self.at, lookback: 86400, ranking: RankingSettings())
        var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"))
        preferences.categories = ["cs.LG"]
        let explanation = selector.explain(preferences, maxPapers: 10, sent: [])
        let reasons = Dictionary(uniqueKeysWithValues: explanation.excluded.map { ($0.paper.id, $0.reason) })
        #expect(reasons["2508.13426"] == .noCategories)
        // A paper with categories, none of them wanted, is simply no match.
        #expect(reasons["2508.20000"] == .noMatch)
        #expect(ExclusionReason.noCategories.explanation
            == "no categories known for this paper (Hugging Face lists none; an arxiv source with the same paper adds them)")
        #expect(explanation.emptyReason?.contains("1 of them would match but carry no categories (Hugging Face lists none") == true)
        // The terminal text names the reason on the paper's line, without --all (a plain "no match" needs --all).
        let text = ExplanationText.render(subscriber: Subscriber(id: 1, preferences: preferences, createdAt: Self.at, updatedAt: Self.at),
                                          selector: selector, maxPapers: 10, explanation: explanation, listAll: false)
        #expect(text.contains("  2508.13426  no categories known for this paper (Hugging Face lists none; an arxiv source with the same paper adds them): Sparse transformers for graphs"))
        #expect(!text.contains("2508.20000"))

        // When the rest of the filter does not match either, it is no match: categories are not the reason.
        preferences.query = try Query.parse("protein")
        let withQuery = selector.explain(preferences, maxPapers: 10, sent: [])
        #expect(withQuery.excluded.first { $0.paper.id == "2508.13426" }?.reason == .noMatch)
        #expect(withQuery.emptyReason?.contains("carry no categories") == false)
    }
}
