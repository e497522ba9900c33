import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// Keyword relevance follows the query: a title match weighs more, a phrase
/// is scored as one unit where it occurs, and an OR counts its best branch
/// (with a small share of the others), not the sum of every branch matched.
///
/// Without upvotes, papers of equal score go newest first; in each test the
/// paper that should lose is the newer one, so only relevance can order them.
@Suite struct QueryRelevanceTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!

    func prefs(_ query: String) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try Query.parse(query))
    }

    /// Papers that match none of the queries below, so the query words are
    /// rare in the batch (as they are in a day of arXiv) and carry an idf.
    static let others = (1...6).map { k in
        Paper(id: "other\(k)", title: "Protein folding study \(k)", abstract: "We fold proteins with a simple energy model and report results.",
              firstSeenAt: at.addingTimeInterval(-3600))
    }

    func order(_ query: String, _ papers: [Paper]) throws -> [String] {
        let selector = DigestSelector(papers: papers + Self.others, at: Self.at, lookback: 86400, ranking: RankingSettings())
        return selector.select(try prefs(query), maxPapers: 10, sent: []).map(\.paper.id)
    }

    @Test func aTitleMatchOutranksAnAbstractOnlyMatch() throws {
        let papers = [
            Paper(id: "abstract", title: "Sparse attention for graphs", abstract: "We compare with transformers on long inputs.",
                  firstSeenAt: Self.at),
            Paper(id: "title", title: "Transformers for long inputs", abstract: "We study sparse attention on graphs.",
                  firstSeenAt: Self.at.addingTimeInterval(-60)),
        ]
        #expect(try order("transformers", papers) == ["title", "abstract"])
    }

    @Test func aPhraseInTheTitleOutranksThePhraseInTheAbstract() throws {
        let papers = [
            Paper(id: "abstract", title: "Smaller students for vision", abstract: "We use knowledge distillation to train small models.",
                  firstSeenAt: Self.at),
            Paper(id: "title", title: "Knowledge distillation for vision", abstract: "We train smaller students from large teachers.",
                  firstSeenAt: Self.at.addingTimeInterval(-60)),
        ]
        #expect(try order("\"knowledge distillation\"", papers) == ["title", "abstract"])
    }

    /// Summing the phrase's words would put "scattered" first: it says
    /// knowledge and distillation three times each, never in a row.
    @Test func aPhraseCountsAsAUnitNotAsItsWordsScattered() throws {
        let papers = [
            Paper(id: "scattered", title: "Distillation of knowledge graphs",
                  abstract: "Knowledge bases and knowledge graphs: we study distillation of graphs and the distillation of embeddings.",
                  firstSeenAt: Self.at),
            Paper(id: "phrase", title: "Compressing vision models", abstract: "We apply knowledge distillation to train smaller networks.",
                  firstSeenAt: Self.at.addingTimeInterval(-60)),
        ]
        #expect(try order("\"knowledge distillation\" OR distillation", papers) == ["phrase", "scattered"])
    }

    /// Summing the branches would put "weak" first: three branches once each
    /// in the abstract against one branch in the title and the abstract.
    @Test func matchingSeveralOrBranchesWeaklyDoesNotBeatOneBranchStronglyInTheTitle() throws {
        let papers = [
            Paper(id: "weak", title: "A survey of learning systems", abstract: "We mention graphs, robots and agents among many other topics.",
                  firstSeenAt: Self.at),
            Paper(id: "strong", title: "Transformers at scale",
                  abstract: "We train transformers on long inputs and compare transformers of every size.",
                  firstSeenAt: Self.at.addingTimeInterval(-60)),
        ]
        #expect(try order("transformers OR graphs OR robots OR agents", papers) == ["strong", "weak"])
    }

    /// A hyphenated word is one unit too, written with or without its hyphen.
    @Test func aHyphenatedWordScoresAsOneUnitWithOrWithoutTheHyphen() throws {
        let papers = [
            Paper(id: "apart", title: "Cross attention for tasks", abstract: "Cross models and lingual models, compared.",
                  firstSeenAt: Self.at),
            Paper(id: "hyphen", title: "Cross-lingual transfer", abstract: "We transfer between languages.",
                  firstSeenAt: Self.at.addingTimeInterval(-120)),
            Paper(id: "joined", title: "Crosslingual transfer", abstract: "We transfer between languages.",
                  firstSeenAt: Self.at.addingTimeInterval(-60)),
        ]
        let ranked = try order("cross-lingual OR lingual", papers)
        #expect(ranked.count == 3)
        #expect(ranked.last == "apart")
    }

    /// The relevance index is shared by the subscribers of a run, from several
    /// threads: the same query gives the same scores whoever asks first.
    @Test func scoresAreTheSameFromManyThreads() async throws {
        let papers = [
            Paper(id: "a", title: "Knowledge distillation for vision", abstract: "Teachers and students.", firstSeenAt: Self.at),
            Paper(id: "b", title: "Cross-lingual transfer", abstract: "We use knowledge distillation across languages.", firstSeenAt: Self.at),
        ]
        let selector = DigestSelector(papers: papers + Self.others, at: Self.at, lookback: 86400, ranking: RankingSettings())
        let query = try prefs("\"knowledge distillation\" OR cross-lingual OR transf*")
        let expected = DigestSelector(papers: papers + Self.others, at: Self.at, lookback: 86400, ranking: RankingSettings())
            .select(query, maxPapers: 10, sent: []).map { "\($0.paper.id) \($0.relevance)" }
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { selector.select(query, maxPapers: 10, sent: []).map { "\($0.paper.id) \($0.relevance)" } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == expected })
    }
}
