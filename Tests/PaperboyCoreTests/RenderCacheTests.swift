import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// The renderer's per-paper block cache: keyed on the paper's content, and bounded.
@Suite struct RenderCacheTests {
    static func paper(_ id: String, upvotes: Int) -> Paper {
        Paper(id: id, title: "Paper \(id)", abstract: "About \(id).", authors: ["Ada Lovelace"], categories: ["cs.LG"],
              firstSeenAt: FeedDate.parse("2026-11-30T08:00:00Z")!, upvotes: upvotes, links: PaperLinks(abstract: "https://arxiv.org/abs/\(id)"))
    }

    static func content(_ papers: [Paper]) throws -> DigestContent {
        DigestContent(email: try EmailAddress(parsing: "ada@example.org"), name: "Ada", query: nil, categories: [],
                      papers: papers.map { RankedPaper(paper: $0, score: 1, relevance: 0, trending: 1, learned: 0, matchedTerms: []) },
                      date: FeedDate.parse("2026-11-30T08:00:00Z")!, zone: "UTC",
                      unsubscribeURL: "https://papers.example.org/unsubscribe?t=abc", format: .both)
    }

    @Test func changedUpvotesShowInTheNextDigest() throws {
        let renderer = DigestRenderer(operatorName: "Paperboy")
        let first = renderer.render(try Self.content([Self.paper("2611.00001", upvotes: 5)]))
        #expect(first.text.contains("5 upvotes"))
        #expect(try #require(first.html).contains("5 upvotes"))
        // The same paper, fetched again with more upvotes: the next digest says so.
        let second = renderer.render(try Self.content([Self.paper("2611.00001", upvotes: 500)]))
        #expect(second.text.contains("500 upvotes"), "the cached block still shows the old count")
        #expect(!second.text.contains(" 5 upvotes"))
        #expect(try #require(second.html).contains("500 upvotes"))
        #expect(renderer.cachedPaperCount == 1)
    }

    @Test func theCacheStaysWithinItsBound() throws {
        let renderer = DigestRenderer(operatorName: "Paperboy", maxCachedPapers: 50)
        var largest = 0
        for batch in 0..<12 {
            let papers = (0..<10).map { Self.paper("2611.\(String(format: "%05d", batch * 10 + $0))", upvotes: batch) }
            let rendered = renderer.render(try Self.content(papers))
            #expect(rendered.text.contains("Paper 2611.\(String(format: "%05d", batch * 10 + 9))"))
            largest = max(largest, renderer.cachedPaperCount)
        }
        // 120 distinct papers went through a cache of 50.
        #expect(largest <= 50)
        #expect(largest >= 40, "the cache keeps nothing: every digest renders every paper again")
    }
}
