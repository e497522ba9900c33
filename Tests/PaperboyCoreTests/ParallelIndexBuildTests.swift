import Foundation
@testable import PaperboyCore
import Testing

/// The index of a run is built on every core; it must equal the one built
/// on a single thread, whatever the number of threads and slices.
@Suite struct ParallelIndexBuildTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!

    /// Papers with repeated, hyphenated and non-ASCII words, so slices share
    /// words (each slice has its own stem cache) and stems differ from words.
    static let papers: [Paper] = {
        let words = ["transformers", "distillation", "knowledge", "naïve", "Müller", "graph", "graphs", "attention",
                     "cross-lingual", "crosslingual", "ﬁne-tuning", "diffusion", "models", "learning", "learned", "œuvre", "GPUs"]
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<700).map { k in
            let title = (0..<(3 + next(6))).map { _ in words[next(words.count)] }.joined(separator: " ")
            let abstract = (0..<(10 + next(40))).map { _ in words[next(words.count)] }.joined(separator: k % 3 == 0 ? ", " : " ")
            return Paper(id: String(format: "2611.%05d", k), title: title, abstract: abstract,
                         authors: ["A. Müller", "B. Chen"].prefix(1 + k % 2).map { $0 }, categories: [k % 2 == 0 ? "cs.LG" : "cs.CL"],
                         firstSeenAt: at.addingTimeInterval(-Double(k * 60)), upvotes: k % 5 == 0 ? nil : k % 37)
        }
    }()

    @Test func analysisOnSeveralThreadsEqualsTheSequentialOne() {
        let sequential = AnalyzedFields(papers: Self.papers, threads: 1, sliceSize: Self.papers.count)
        for (threads, sliceSize) in [(2, 128), (4, 3), (3, 1), (2, 1000)] {
            let parallel = AnalyzedFields(papers: Self.papers, threads: threads, sliceSize: sliceSize)
            #expect(parallel.title.words == sequential.title.words)
            #expect(parallel.title.stems == sequential.title.stems)
            #expect(parallel.abstract.words == sequential.abstract.words)
            #expect(parallel.abstract.stems == sequential.abstract.stems)
        }
        #expect(sequential.title.words.count == Self.papers.count)
        #expect(AnalyzedFields(papers: [], threads: 2).title.words.isEmpty)
    }

    @Test func likedPapersAddedLaterRankAsWhenTheSelectorWasBuiltWithThem() throws {
        let outside = Paper(id: "2501.00001", title: "Knowledge distillation for graphs", abstract: "Naïve attention models.",
                            firstSeenAt: Self.at.addingTimeInterval(-30 * 86400))
        let disliked = Paper(id: "2501.00002", title: "Diffusion models", abstract: "GPUs and diffusion.",
                             firstSeenAt: Self.at.addingTimeInterval(-40 * 86400))
        let built = DigestSelector(papers: Self.papers, at: Self.at, lookback: 7 * 86400, ranking: RankingSettings(),
                                   likedPapers: [outside, Self.papers[2]], dislikedPapers: [disliked])
        let added = DigestSelector(papers: Self.papers, at: Self.at, lookback: 7 * 86400, ranking: RankingSettings())
            .adding(likedPapers: [outside, Self.papers[2]], dislikedPapers: [disliked])
        for query in [nil, "graph OR attention", "distill*"] {
            var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try query.map(Query.parse))
            preferences.likes = [outside.id, Self.papers[2].id]
            preferences.dislikes = [disliked.id]
            let expected = built.select(preferences, maxPapers: 15, sent: [])
            let actual = added.select(preferences, maxPapers: 15, sent: [])
            #expect(!expected.isEmpty)
            #expect(actual.map(\.paper.id) == expected.map(\.paper.id))
            #expect(actual.map(\.score) == expected.map(\.score))
            #expect(actual.map(\.learned) == expected.map(\.learned))
            #expect(actual.map(\.dislikeSimilarity) == expected.map(\.dislikeSimilarity))
        }
    }

    @Test func asciiTextSplitsAsTheUnicodePathSplitsIt() {
        // One non-ASCII word at the end sends the whole text down the Unicode path.
        for text in ["Cross-lingual KD, 2x faster (GPT-4o); ZERO-shot_learning", "", "  --  ", "a", "ABC123def 9z"] {
            #expect(TextAnalyzer.words(text + " é") == TextAnalyzer.words(text) + ["e"], "\(text)")
        }
        #expect(TextAnalyzer.words("Cross-lingual KD") == ["cross", "lingual", "kd"])
    }

    @Test func mapKeepsTheOrderOfItsPieces() {
        #expect(ParallelBuild.map(1000, threads: 4) { $0 * 2 } == (0..<1000).map { $0 * 2 })
        #expect(ParallelBuild.map(0, threads: 4) { $0 }.isEmpty)
        let (a, b) = ParallelBuild.both(threads: 2, { "first" }, { 2 })
        #expect(a == "first" && b == 2)
    }

    @Test func aSelectorBuiltOnSeveralThreadsSelectsAndRanksAsTheSequentialOne() throws {
        let liked = Self.papers[3].id
        let outside = Paper(id: "2501.00001", title: "Knowledge distillation for graphs", abstract: "Naïve attention models.",
                            firstSeenAt: Self.at.addingTimeInterval(-30 * 86400))
        func selector(threads: Int) -> DigestSelector {
            DigestSelector(papers: Self.papers, at: Self.at, lookback: 7 * 86400, ranking: RankingSettings(),
                           likedPapers: [outside], dislikedPapers: [Self.papers[8]], threads: threads)
        }
        let sequential = selector(threads: 1)
        let queries = ["transformer*", "\"knowledge distillation\" OR graph", "cross-lingual -diffusion", "title:naive OR abstract:muller",
                       "(attention OR models) learn*", "oeuvre", "gpus"]
        for threads in [2, 4] {
            let parallel = selector(threads: threads)
            #expect(parallel.relevance.vectors.map(\.ids) == sequential.relevance.vectors.map(\.ids))
            #expect(parallel.relevance.vectors.map(\.values) == sequential.relevance.vectors.map(\.values))
            for query in queries {
                var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try Query.parse(query))
                preferences.likes = [liked, outside.id]
                preferences.dislikes = [Self.papers[8].id]
                preferences.authors = query == "gpus" ? ["Chen"] : []
                let expected = sequential.select(preferences, maxPapers: 20, sent: [Self.papers[1].id])
                let actual = parallel.select(preferences, maxPapers: 20, sent: [Self.papers[1].id])
                #expect(!expected.isEmpty, "\(query)")
                #expect(actual.map(\.paper.id) == expected.map(\.paper.id), "\(query)")
                #expect(actual.map(\.score) == expected.map(\.score), "\(query)")
                #expect(actual.map(\.relevance) == expected.map(\.relevance), "\(query)")
                #expect(actual.map(\.learned) == expected.map(\.learned), "\(query)")
                #expect(actual.map(\.dislikeSimilarity) == expected.map(\.dislikeSimilarity), "\(query)")
                #expect(actual.map(\.matchedTerms) == expected.map(\.matchedTerms), "\(query)")
            }
        }
    }
}
