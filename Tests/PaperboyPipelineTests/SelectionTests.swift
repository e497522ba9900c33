import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Selection and ranking on the bundled demo corpus; the expected sets were
/// checked by hand against the titles and abstracts (see the comments).
@Suite struct SelectionTests {
    static let fetched = Date(timeIntervalSince1970: 1_795_000_000)
    static let at = fetched.addingTimeInterval(3600)
    static let demo = try! DemoCorpus.papers(at: fetched)

    func selector(_ papers: [Paper] = Self.demo, at: Date = Self.at, ranking: RankingSettings = RankingSettings(), liked: [Paper] = []) -> DigestSelector {
        DigestSelector(papers: papers, at: at, lookback: 7 * 86400, ranking: ranking, likedPapers: liked)
    }

    func prefs(query: String? = nil, _ change: (inout SubscriberPreferences) -> Void = { _ in }) throws -> SubscriberPreferences {
        var p = SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"))
        p.query = try query.map { try Query.parse($0) }
        change(&p)
        return p
    }

    func titles(_ papers: [RankedPaper]) -> Set<String> {
        Set(papers.map { String($0.paper.title.prefix(30)) })
    }

    @Test func knowledgeDistillationAsAPhrase() throws {
        // The 8 papers whose title or abstract has "knowledge distillation" in a row.
        let digest = selector().select(try prefs(query: "\"knowledge distillation\""), maxPapers: 100, sent: [])
        #expect(titles(digest) == [
            "A Good Student is Cooperative ", "PANDA: Prompt Transfer Meets K", "Meta-DMoE: Adapting to Domain ",
            "Talking Models: Distill Pre-tr", "HARD: Hard Augmentations for R", "Fantastic Gains and Where to F",
            "Unlock the Power: Competitive ", "Prototype-guided Cross-task Kn",
        ])
        #expect(digest.allSatisfy { $0.matchedTerms == ["knowledge distillation"] })
        // The one with the phrase in its title ranks first.
        #expect(digest.first?.paper.title.hasPrefix("Prototype-guided Cross-task Knowledge Distillation") == true)
        #expect(digest.first?.relevance == 1)
    }

    @Test func continualOrLifelong() throws {
        // 17 papers: "continual(ly)", "lifelong", and, by English stemming, "continuous" (EventTSF, N2N, ...).
        let digest = selector().select(try prefs(query: "continual OR lifelong"), maxPapers: 100, sent: [])
        #expect(digest.count == 17)
        #expect(titles(digest).contains("Continual Lifelong Learning wi"))
        #expect(titles(digest).contains("A Deep Learning Framework for "))
        #expect(!titles(digest).contains("HARD: Hard Augmentations for R"))
        // Papers with both words rank above papers with one.
        #expect(digest.first?.paper.title == "Continual Lifelong Learning with Neural Networks: A Review")
    }

    @Test func adapterButNotDiffusion() throws {
        let digest = selector().select(try prefs(query: "adapter -diffusion"), maxPapers: 100, sent: [])
        #expect(digest.count == 24)
        #expect(titles(digest).contains("VL-Adapter: Parameter-Efficien"))
        #expect(titles(digest).contains("ViDA: Homeostatic Visual Domai"))
        // OmniGen has an adapter but also diffusion; KIND is about diffusion models.
        #expect(!titles(digest).contains("OmniGen: Unified Image Generat"))
        #expect(!digest.contains { $0.paper.abstract.lowercased().contains("diffusion") || $0.paper.title.lowercased().contains("diffusion") })
    }

    @Test func categoryAndAuthorFilters() throws {
        let ai = selector().select(try prefs { $0.categories = ["cs.AI"] }, maxPapers: 100, sent: [])
        #expect(Set(ai.map(\.paper.id)) == ["2508.13426", "2508.13428", "2508.13429", "2508.13434", "2508.13435", "2508.14001", "2508.14002"])
        let math = selector().select(try prefs { $0.categories = ["math", "q-bio.NC"] }, maxPapers: 100, sent: [])
        #expect(math.map(\.paper.id) == ["2108.05102"])
        let inQuery = selector().select(try prefs(query: "category:cs.CV"), maxPapers: 100, sent: [])
        #expect(Set(inQuery.map(\.paper.id)) == ["2312.02896", "2508.13428"])

        // Authors: any of them, case- and accent-insensitive.
        let castro = selector().select(try prefs { $0.authors = ["paulo andre lima de castro", "Nobody Atall"] }, maxPapers: 100, sent: [])
        #expect(castro.map(\.paper.id) == ["2508.13429"])
        let byQuery = selector().select(try prefs(query: "author:tang OR author:\"rizhao cai\""), maxPapers: 100, sent: [])
        #expect(Set(byQuery.map(\.paper.id)) == ["2410.18533", "2312.02896"])
        // Filters combine with the query: cs.AI papers about "language" (EventTSF through "natural language-based events").
        let both = selector().select(try prefs(query: "language") { $0.categories = ["cs.AI"] }, maxPapers: 100, sent: [])
        #expect(Set(both.map(\.paper.id)) == ["2508.13426", "2508.13428", "2508.13434"])
    }

    @Test func minUpvotes() throws {
        // Only the two Hugging Face papers have upvotes: LOGO 37, the LMM classifier paper 10.
        #expect(selector().select(try prefs { $0.minUpvotes = 20 }, maxPapers: 100, sent: []).map(\.paper.id) == ["2410.18533"])
        #expect(Set(selector().select(try prefs { $0.minUpvotes = 10 }, maxPapers: 100, sent: []).map(\.paper.id)) == ["2410.18533", "2602.23229"])
        #expect(selector().select(try prefs { $0.minUpvotes = 38 }, maxPapers: 100, sent: []).isEmpty)
        #expect(selector().select(try prefs(), maxPapers: 100, sent: []).count == 72)
    }

    @Test func theLookbackWindow() throws {
        let query = try prefs(query: "\"knowledge distillation\"")
        // Six days later the papers are still in the 7-day window; eight days later they are not.
        #expect(selector(at: Self.fetched.addingTimeInterval(6 * 86400)).select(query, maxPapers: 100, sent: []).count == 8)
        #expect(selector(at: Self.fetched.addingTimeInterval(8 * 86400)).select(query, maxPapers: 100, sent: []).isEmpty)
        // Papers first seen after the digest's moment are not in it either.
        #expect(selector(at: Self.fetched.addingTimeInterval(-60)).select(query, maxPapers: 100, sent: []).isEmpty)
    }

    @Test func maxPapersAndDeterminism() throws {
        let query = try prefs(query: "continual OR lifelong")
        let first = selector().select(query, maxPapers: 5, sent: [])
        #expect(first.count == 5)
        let full = selector().select(query, maxPapers: 100, sent: [])
        #expect(first.map(\.paper.id) == Array(full.prefix(5)).map(\.paper.id))
        // The same inputs always give the same digest, whatever the input order.
        let again = selector(Self.demo.reversed()).select(query, maxPapers: 5, sent: [])
        #expect(again.map(\.paper.id) == first.map(\.paper.id))
        #expect(again.map(\.score) == first.map(\.score))
    }

    @Test func aSmallHandComputedOrder() throws {
        // Trending only: log(1 + upvotes) halved every 3 days since first seen.
        //   old:    24 upvotes, seen 3 days ago: ln 25 / 2 = ln 5 = 1.609
        //   recent:  7 upvotes, seen 1 day ago:  ln 8 * 0.5^(1/3) = 2.079 * 0.794 = 1.650
        //   new:     3 upvotes, seen now:        ln 4 = 1.386
        //   quiet:  no upvotes, seen now:        0     (ties with "silent" on score and recency: by id)
        //   silent: no upvotes, seen now:        0
        func paper(_ id: String, upvotes: Int?, daysAgo: Double) -> Paper {
            let seen = Self.at.addingTimeInterval(-daysAgo * 86400)
            return Paper(id: id, title: "Paper \(id)", abstract: "Text.", publishedAt: seen, firstSeenAt: seen, upvotes: upvotes)
        }
        let papers = [paper("new", upvotes: 3, daysAgo: 0), paper("old", upvotes: 24, daysAgo: 3), paper("recent", upvotes: 7, daysAgo: 1),
                      paper("silent", upvotes: nil, daysAgo: 0), paper("quiet", upvotes: nil, daysAgo: 0)]
        let digest = selector(papers).select(try prefs(), maxPapers: 10, sent: [])
        #expect(digest.map(\.paper.id) == ["recent", "old", "new", "quiet", "silent"])
        #expect(abs(digest[0].trending - 1) < 1e-9)
        #expect(abs(digest[1].trending - log(5) / (log(8) * pow(0.5, 1.0 / 3))) < 1e-9)
        #expect(abs(digest[2].trending - log(4) / (log(8) * pow(0.5, 1.0 / 3))) < 1e-9)
        // Without query or likes every paper starts at 1 and trending raises it by up to half.
        #expect(abs(digest[1].score - (1 + 0.5 * digest[1].trending)) < 1e-9)

        // Relevance: a query word in the title outweighs the same word in an abstract.
        let texts = [
            Paper(id: "a", title: "Distillation of models", abstract: "We study small networks.", firstSeenAt: Self.at),
            Paper(id: "b", title: "Small networks", abstract: "We study distillation of models.", firstSeenAt: Self.at),
            Paper(id: "c", title: "Unrelated", abstract: "Nothing here.", firstSeenAt: Self.at),
        ]
        let ranked = selector(texts).select(try prefs(query: "distill"), maxPapers: 10, sent: [])
        #expect(ranked.map(\.paper.id) == ["a", "b"])
        #expect(ranked[0].relevance == 1 && ranked[1].relevance < 1 && ranked[1].relevance > 0)
    }

    @Test(arguments: StoreEngine.allCases) func alreadySentPapersAndLaterVersionsAreExcluded(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.ingest(Self.demo, source: SourceState(name: DemoCorpus.sourceName), at: Self.fetched)
        let subscriber = try store.addSubscriber(try prefs { $0.minUpvotes = 10 }, at: Self.fetched)
        let loader = SelectionLoader(store: store, digest: DigestSettings())
        let before = try loader.selector(at: Self.at, subscribers: [subscriber])
            .select(subscriber.preferences, maxPapers: 10, sent: try loader.sentPapers(at: Self.at)[subscriber.id] ?? [])
        #expect(Set(before.map(\.paper.id)) == ["2410.18533", "2602.23229"])

        // LOGO (2410.18533, v1 from Hugging Face) is sent; then arXiv announces v2 of it.
        try store.recordSentPapers(subscriberID: subscriber.id, paperIDs: ["2410.18533"], at: Self.at)
        var v2 = try #require(try store.paper(id: "2410.18533"))
        v2.version = 2
        v2.firstSeenAt = Self.at
        v2.sources = ["arxiv"]
        try store.ingest([v2], source: SourceState(name: "arxiv"), at: Self.at)
        #expect(try store.paper(id: "2410.18533")?.version == 2)

        let later = Self.at.addingTimeInterval(86400)
        let after = try loader.selector(at: later, subscribers: [subscriber])
            .select(subscriber.preferences, maxPapers: 10, sent: try loader.sentPapers(at: later)[subscriber.id] ?? [])
        #expect(after.map(\.paper.id) == ["2602.23229"])
    }

    @Test func likesPullSimilarPapersUp() throws {
        let liked = try #require(Self.demo.first { $0.title.hasPrefix("HARD: Hard Augmentations for Robust Distillation") })
        func aboutDistillation(_ paper: RankedPaper) -> Bool { (paper.paper.title + paper.paper.abstract).lowercased().contains("distil") }
        // No query: the papers most like the liked one come first, and they are about distillation.
        let digest = selector().select(try prefs { $0.likes = [liked.id] }, maxPapers: 5, sent: [])
        #expect(digest.count == 5)
        #expect(!digest.contains { $0.paper.id == liked.id })            // they know that one
        #expect(digest.first?.learned == 1)
        #expect(digest.prefix(4).allSatisfy(aboutDistillation))
        let plain = selector().select(try prefs(), maxPapers: 5, sent: [])
        #expect(plain.filter(aboutDistillation).count < 4)

        // With a query, likes reorder the matches: the distillation papers rise among continual-learning ones.
        let query = "continual OR lifelong OR distillation"
        let withoutLikes = selector().select(try prefs(query: query), maxPapers: 100, sent: [])
        let withLikes = selector().select(try prefs(query: query) { $0.likes = [liked.id] }, maxPapers: 100, sent: [])
        func positions(_ list: [RankedPaper]) -> Int { list.enumerated().filter { aboutDistillation($0.element) }.map(\.offset).reduce(0, +) }
        #expect(positions(withLikes) < positions(withoutLikes))
        #expect(Set(withLikes.map(\.paper.id)).union([liked.id]) == Set(withoutLikes.map(\.paper.id)))

        // A liked paper from before the window counts the same as one inside it.
        var old = liked
        old.id = "2001.00001"
        old.firstSeenAt = Self.fetched.addingTimeInterval(-60 * 86400)
        let fromOutside = selector(liked: [old]).select(try prefs { $0.likes = [old.id] }, maxPapers: 3, sent: [liked.id])
        #expect(fromOutside.map(\.paper.id) == Array(digest.prefix(3)).map(\.paper.id))
    }
}

/// `DigestSelector.explain`: the reasons for every paper left out, and the empty-digest sentence.
@Suite struct ExplainTests {
    let at = SelectionTests.at

    func selector(_ papers: [Paper], at: Date? = nil) -> DigestSelector {
        DigestSelector(papers: papers, at: at ?? self.at, lookback: 7 * 86400, ranking: RankingSettings())
    }

    func prefs(query: String? = nil, minUpvotes: Int = 0) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: "reader@example.org"), query: try query.map { try Query.parse($0) }, minUpvotes: minUpvotes)
    }

    @Test func everyLeftOutPaperHasItsReason() throws {
        let demo = SelectionTests.demo
        let logo = try #require(demo.first { $0.id == "2410.18533" })
        let explanation = selector(demo).explain(
            try prefs(query: "\"knowledge distillation\" OR title:logo OR title:benchmark", minUpvotes: 0),
            maxPapers: 3, sent: ["title-f11926ba245cee50"],
            outside: [Paper(id: "1901.00001", title: "Old knowledge distillation", abstract: "", firstSeenAt: at.addingTimeInterval(-30 * 86400))]
        )
        #expect(explanation.emptyReason == nil)
        #expect(explanation.selected.count == 3)
        let reasons = Dictionary(grouping: explanation.excluded, by: \.reason).mapValues(\.count)
        // 8 distillation papers + LOGO + BenchLMM match; one was sent, 3 selected, 6 cut.
        #expect(reasons[.alreadySent] == 1)
        #expect(reasons[.cutByMaxPapers] == 6)
        #expect(reasons[.noMatch] == 72 - 10)
        #expect(reasons[.outsideWindow] == 1)
        #expect(explanation.excluded.filter { $0.reason == .cutByMaxPapers }.allSatisfy { $0.ranked != nil })
        _ = logo
        let upvoted = selector(demo).explain(try prefs(query: "title:logo", minUpvotes: 40), maxPapers: 3, sent: [])
        #expect(upvoted.excluded.first { $0.paper.id == "2410.18533" }?.reason == .belowMinUpvotes)
    }

    @Test func emptyBecauseNothingWasFetchedInTheWindow() throws {
        let empty = selector([]).explain(try prefs(), maxPapers: 10, sent: [], storeIsEmpty: true)
        #expect(empty.emptyReason?.hasPrefix("Nothing was fetched in the 7 days before") == true)
        #expect(empty.emptyReason?.contains("the store holds no papers yet") == true)
        let stale = selector(SelectionTests.demo, at: at.addingTimeInterval(10 * 86400))
            .explain(try prefs(), maxPapers: 10, sent: [], latestFirstSeen: SelectionTests.fetched)
        #expect(stale.emptyReason?.hasPrefix("Nothing was fetched in the 7 days before") == true)
        #expect(stale.emptyReason?.contains("the newest paper was first seen") == true)
    }

    @Test func emptyBecauseNothingMatched() throws {
        let explanation = selector(SelectionTests.demo).explain(try prefs(query: "quantum chromodynamics"), maxPapers: 10, sent: [])
        #expect(explanation.selected.isEmpty)
        #expect(explanation.emptyReason == "None of the 72 papers first seen in the 7 days before 2026-11-18 12:06Z matched the subscriber's query, categories or authors.")
    }

    @Test func emptyBecauseEverythingThatMatchedWasSent() throws {
        let matching = selector(SelectionTests.demo).select(try prefs(query: "title:distillation"), maxPapers: 100, sent: []).map(\.paper.id)
        #expect(matching.count == 7)   // titles with Distillation, Distill or Distilling
        let explanation = selector(SelectionTests.demo).explain(try prefs(query: "title:distillation"), maxPapers: 10, sent: Set(matching))
        #expect(explanation.emptyReason == "Every paper that matched (\(matching.count)) was already sent to this subscriber.")
    }

    @Test func emptyBecauseOfMinUpvotes() throws {
        let explanation = selector(SelectionTests.demo).explain(try prefs(query: "title:distillation", minUpvotes: 1), maxPapers: 10, sent: [])
        #expect(explanation.emptyReason?.contains("none has the 1 upvotes the subscriber asks for") == true)
    }
}
