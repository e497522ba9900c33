import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// A prefix term (`transformer*`) scores like the words it expands to.
@Suite struct PrefixRelevanceTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!

    func prefs(_ query: String) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try Query.parse(query))
    }

    /// Without upvotes, papers of equal score go newest first: the abstract-only
    /// hit is newer, so only relevance can put the title hit above it.
    let papers = [
        Paper(id: "abstract", title: "Sparse attention for graphs", abstract: "We compare with transformers on long inputs.",
              firstSeenAt: at),
        Paper(id: "title", title: "Transformers for long inputs", abstract: "We study sparse attention on graphs.",
              firstSeenAt: at.addingTimeInterval(-60)),
        Paper(id: "none", title: "Protein folding", abstract: "Biology.", firstSeenAt: at),
    ]

    @Test func aTitleHitOnAPrefixTermHasRelevanceAndRanksAboveAnAbstractOnlyHit() throws {
        let selector = DigestSelector(papers: papers, at: Self.at, lookback: 86400, ranking: RankingSettings())
        let digest = selector.select(try prefs("transformer*"), maxPapers: 10, sent: [])
        #expect(digest.map(\.paper.id) == ["title", "abstract"])
        #expect(digest[0].relevance == 1)
        #expect(digest[1].relevance > 0 && digest[1].relevance < 1)
        // explain shows the same numbers.
        let explained = selector.explain(try prefs("transformer*"), maxPapers: 10, sent: [])
        #expect(explained.selected.first?.paper.id == "title")
        #expect((explained.selected.first?.relevance ?? 0) > 0)
    }

    @Test func aPrefixScoresLikeTheWholeWordItExpandsTo() throws {
        let selector = DigestSelector(papers: papers, at: Self.at, lookback: 86400, ranking: RankingSettings())
        let prefix = selector.select(try prefs("transformer*"), maxPapers: 10, sent: [])
        let word = selector.select(try prefs("transformers"), maxPapers: 10, sent: [])
        #expect(prefix.map(\.paper.id) == word.map(\.paper.id))
        #expect(zip(prefix, word).allSatisfy { abs($0.relevance - $1.relevance) < 1e-9 })
        // The other words of a prefix phrase score as stems and the last as a prefix.
        let phrase = selector.select(try prefs("\"long input\"*"), maxPapers: 10, sent: [])
        #expect(phrase.allSatisfy { $0.relevance > 0 })
    }
}
