import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyTestSupport
import Testing

private let fetchedAt = Date(timeIntervalSince1970: 1_790_000_000)
private func context(_ name: String = "test") -> FeedContext { FeedContext(sourceName: name, fetchedAt: fetchedAt) }

@Suite struct HuggingFaceParserTests {
    @Test func readsBothRecordShapes() throws {
        let result = try HuggingFaceParser.parse(try TestPaths.fixture("hf-daily-papers.json"), context: context("hf"))
        #expect(result.skipped.isEmpty)
        try #require(result.papers.count == 2)
        let (old, new) = (result.papers[0], result.papers[1])

        #expect(old.id == "2410.18533")
        #expect(old.title == "LOGO -- Long cOntext aliGnment via efficient preference Optimization")
        #expect(old.authors == ["Zecheng Tang", "Zechen Sun", "Juntao Li", "Qiaoming Zhu", "Min Zhang"])
        #expect(old.upvotes == 37)
        #expect(old.comments == 2)
        #expect(old.aiSummary == nil)
        #expect(old.links.code == nil)
        #expect(old.links.abstract == "https://arxiv.org/abs/2410.18533")
        #expect(!old.abstract.contains("\n"))
        #expect(old.abstract.hasPrefix("Long-context models(LCMs) have shown great potential in processing long input sequences(even"))
        #expect(old.publishedAt == FeedDate.parse("2024-10-24T08:27:26.000Z"))
        #expect(old.sources == ["hf"])
        #expect(old.firstSeenAt == fetchedAt)

        #expect(new.id == "2602.23229")
        #expect(new.title == "Large Multimodal Models as General In-Context Classifiers")
        #expect(new.upvotes == 10)
        #expect(new.comments == 1)
        #expect(new.links.code == "https://github.com/marco-garosi/CIRCLE")
        #expect(new.links.projectPage == "https://circle-lmm.github.io/")
        #expect(new.aiSummary?.hasPrefix("Large Multimodal Models demonstrate superior performance") == true)
        #expect(new.aiKeywords.count == 9)
        #expect(new.aiKeywords.first == "Vision-Language Models")
        #expect(new.categories.isEmpty)
    }

    @Test func skipsRecordsWithoutAnArxivID() throws {
        let body = Array(#"[{"paper": {"id": "not-an-id", "title": "x"}}, {"title": "no paper"}]"#.utf8)
        let result = try HuggingFaceParser.parse(body, context: context())
        #expect(result.papers.isEmpty)
        #expect(result.skipped.count == 2)
        #expect(result.skipped[0].contains("not-an-id"))
    }

    @Test func refusesAnObjectWhereAnArrayBelongs() {
        #expect(throws: FeedError.self) {
            try HuggingFaceParser.parse(Array(#"{"error": "rate limited"}"#.utf8), context: context())
        }
    }
}

@Suite struct ArxivFeedParserTests {
    @Test func readsTheArxivAPIAtom() throws {
        let result = try ArxivFeedParser.parse(try TestPaths.fixture("arxiv-api-query.xml"), context: context("arxiv"))
        try #require(result.papers.count == 2)
        let bench = result.papers[0]
        #expect(bench.id == "2312.02896")
        #expect(bench.version == 2)
        #expect(bench.title == "BenchLMM: Benchmarking Cross-style Visual Capability of Large Multimodal Models")
        #expect(bench.abstract.hasPrefix("Large Multimodal Models (LMMs) such as GPT-4V"))
        #expect(bench.authors == ["Rizhao Cai", "Zirui Song", "Dayan Guan", "Zhenhao Chen", "Xing Luo", "Chenyu Yi", "Alex Kot"])
        #expect(bench.categories == ["cs.CV"])
        #expect(bench.publishedAt == FeedDate.parse("2023-12-05T17:06:59Z"))
        #expect(bench.links.pdf == "https://arxiv.org/pdf/2312.02896")
        #expect(bench.upvotes == nil)

        let wolfe = result.papers[1]
        #expect(wolfe.id == "2108.05102")
        #expect(wolfe.title == "Normalized Wolfe-Powell-type local minimax method for finding multiple unstable solutions of nonlinear elliptic PDEs")
        // "35J20, 35B38, 65N12, 65J15, 65Jxx" is an MSC classification, not an arXiv category.
        #expect(wolfe.categories == ["math.NA", "cs.NA"])
    }

    @Test func readsOldStyleIDsAndTeXNames() throws {
        let result = try ArxivFeedParser.parse(try TestPaths.fixture("arxiv-api-2410.18533v1.xml"), context: context())
        try #require(result.papers.count == 2)
        #expect(result.papers[0].id == "2410.18533")
        #expect(result.papers[0].title == "LOGO -- Long cOntext aliGnment via efficient preference Optimization")
        #expect(result.papers[0].categories == ["cs.CL", "cs.AI"])
        #expect(result.papers[1].id == "math/0611846")
        #expect(result.papers[1].version == 1)
        #expect(result.papers[1].authors == ["Carl Friedrich Müller"])
        #expect(result.papers[1].categories == ["math.AG"])
    }

    @Test func readsTheRSSArxivAtomFeed() throws {
        let result = try ArxivFeedParser.parse(try TestPaths.fixture("arxiv-rss-cs.AI.xml"), context: context())
        try #require(result.papers.count == 7)
        #expect(result.papers.map(\.id) == ["2508.13426", "2508.13428", "2508.13429", "2508.13434", "2508.13435", "2508.14001", "2508.14002"])
        let align = result.papers[0]
        #expect(align.title == "ALIGN: Word Association Learning for Cross-Cultural Generalization in Large Language Models")
        #expect(align.abstract.hasPrefix("As large language models (LLMs) increasingly mediate"))
        #expect(!align.abstract.contains("Announce Type"))
        #expect(align.authors == ["Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"])
        #expect(align.categories == ["cs.CL", "cs.AI"])
        #expect(align.version == 1)
        #expect(result.papers[2].authors == ["Paulo André Lima de Castro"])
        #expect(result.papers[1].categories == ["cs.CV", "cs.AI", "cs.MM"])
        #expect(result.papers.allSatisfy { !$0.abstract.hasPrefix("arXiv:") && !$0.abstract.isEmpty })
    }

    @Test func detectsRSS2AndReadsTheSamePapers() throws {
        let atom = try ArxivFeedParser.parse(try TestPaths.fixture("arxiv-rss-cs.AI.xml"), context: context())
        let rss = try ArxivFeedParser.parse(try TestPaths.fixture("arxiv-rss2-cs.AI.xml"), context: context())
        #expect(rss.papers.map(\.id) == atom.papers.map(\.id))
        #expect(rss.papers.map(\.title) == atom.papers.map(\.title))
        #expect(rss.papers.map(\.abstract) == atom.papers.map(\.abstract))
        #expect(rss.papers.map(\.authors) == atom.papers.map(\.authors))
        #expect(rss.papers.map(\.categories) == atom.papers.map(\.categories))
        #expect(rss.papers[0].publishedAt == FeedDate.parse("2025-08-20T04:00:00Z"))
    }

    @Test func refusesAnEntityExpansionBombQuickly() throws {
        let bomb = Array("""
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
        <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>2401.00001</id><title>&i;</title></entry></feed>
        """.utf8)
        let error = #expect(throws: FeedError.self) {
            try ArxivFeedParser.parse(bomb, context: context())
        }
        #expect(error?.code == .malformedXML)
    }

    @Test func refusesHTMLAndOtherXML() {
        let error = #expect(throws: FeedError.self) {
            try ArxivFeedParser.parse(Array("<html><body>Rate limited</body></html>".utf8), context: context())
        }
        #expect(error?.code == .unexpectedShape)
        #expect(error?.message.contains("<html>") == true)
    }
}

@Suite struct JSONPapersParserTests {
    @Test func readsTheDemoCorpus() throws {
        let papers = try DemoCorpus.papers(at: fetchedAt)
        #expect(papers.count == 72)
        #expect(Set(papers.map(\.id)).count == 72)
        let listing = Array(papers.prefix(61))
        #expect(listing.allSatisfy { $0.id.hasPrefix("title-") && !$0.abstract.isEmpty && $0.upvotes == nil })
        #expect(listing[1].title == "ScaLearn: Simple and Highly Parameter-Efficient Task Transfer by Learning to Scale")
        // Ids are stable: the same title always gives the same id.
        #expect(listing[1].id == StableID.forTitle("ScaLearn: Simple and Highly Parameter-Efficient Task Transfer by Learning to Scale"))
        #expect(try DemoCorpus.papers(at: TestTime.now).map(\.id) == papers.map(\.id))
        // The feed samples bring authors, categories and upvotes.
        let samples = Array(papers.dropFirst(61))
        #expect(samples.map(\.id) == ["2410.18533", "2602.23229", "2312.02896", "2108.05102", "2508.13426", "2508.13428",
                                       "2508.13429", "2508.13434", "2508.13435", "2508.14001", "2508.14002"])
        #expect(samples[0].upvotes == 37)
        #expect(samples[3].categories == ["math.NA", "cs.NA"])
        #expect(samples[6].authors == ["Paulo André Lima de Castro"])
    }

    @Test func readsJSONLinesWithOptionalFields() throws {
        let body = Array("""
        {"id": "arXiv:2401.00001v3", "title": "First\\n paper", "summary": "One.", "authors": ["A. Author", "B. Author"], "categories": ["cs.LG"], "published": "2024-01-01T00:00:00Z", "upvotes": 5}

        {"title": "Second paper", "abstract": "Two.", "authors": "C. Author, D. Author", "url": "https://example.org/p/2"}
        {"title": "Third", "summary": "Three.", "url": "javascript:alert(1)"}
        """.utf8)
        let result = try JSONPapersParser.parse(body, context: context())
        try #require(result.papers.count == 3)
        #expect(result.papers[0].id == "2401.00001")
        #expect(result.papers[0].version == 3)
        #expect(result.papers[0].title == "First paper")
        #expect(result.papers[0].upvotes == 5)
        #expect(result.papers[0].links.abstract == "https://arxiv.org/abs/2401.00001")
        #expect(result.papers[1].id == StableID.forTitle("Second paper"))
        #expect(result.papers[1].authors == ["C. Author", "D. Author"])
        #expect(result.papers[1].links.abstract == "https://example.org/p/2")
        #expect(result.papers[2].links.abstract == nil)
    }

    @Test func readsJSONLinesWithWindowsLineEndings() throws {
        let body = Array("{\"title\": \"One\", \"summary\": \"a\"}\r\n{\"title\": \"Two\", \"summary\": \"b\"}\r\n".utf8)
        let result = try JSONPapersParser.parse(body, context: context())
        #expect(result.papers.map(\.title) == ["One", "Two"])
    }

    @Test func namesTheLineOfBadJSONLines() {
        let body = Array("{\"title\": \"ok\", \"summary\": \"fine\"}\n{\"title\": oops}\n".utf8)
        let error = #expect(throws: FeedError.self) { try JSONPapersParser.parse(body, context: context()) }
        #expect(error?.message.contains("line 2") == true)
    }

    @Test func skipsPapersWithoutTitles() throws {
        let result = try JSONPapersParser.parse(Array(#"[{"summary": "no title"}, {"title": "ok", "summary": "x"}]"#.utf8), context: context())
        #expect(result.papers.count == 1)
        #expect(result.skipped == ["paper 1: no title"])
    }

    @Test func reportsInvalidUTF8() {
        let error = #expect(throws: FeedError.self) {
            try JSONPapersParser.parse([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D], context: context())
        }
        #expect(error?.code == .invalidEncoding)
        #expect(error?.message.contains("offset 2") == true)
    }
}

@Suite struct PaperMergeTests {
    @Test func mergesWhatTwoSourcesSay() {
        let early = Date(timeIntervalSince1970: 1000)
        let late = Date(timeIntervalSince1970: 2000)
        let hf = Paper(id: "2410.18533", title: "LOGO", abstract: "HF abstract", authors: ["A"], firstSeenAt: early,
                       upvotes: 37, comments: 2, links: PaperLinks(abstract: "https://arxiv.org/abs/2410.18533", code: "https://github.com/x/y"),
                       sources: ["hf"])
        let arxiv = Paper(id: "2410.18533", version: 2, title: "LOGO", abstract: "arXiv abstract", authors: ["A", "B"],
                          categories: ["cs.CL", "cs.AI"], firstSeenAt: late, links: PaperLinks.arxiv("2410.18533"), sources: ["arxiv"])
        let merged = hf.merged(with: arxiv)
        #expect(merged.upvotes == 37)
        #expect(merged.comments == 2)
        #expect(merged.categories == ["cs.CL", "cs.AI"])
        #expect(merged.version == 2)
        #expect(merged.firstSeenAt == early)
        #expect(merged.links.code == "https://github.com/x/y")
        #expect(merged.links.pdf == "https://arxiv.org/pdf/2410.18533")
        #expect(merged.sources == ["hf", "arxiv"])
        // arXiv's text wins over Hugging Face's: it has a version.
        #expect(merged.authors == ["A", "B"])
        #expect(merged.abstract == "arXiv abstract")
        // Hearing either source again changes nothing: no flip-flopping.
        #expect(merged.merged(with: arxiv) == merged)
        #expect(merged.merged(with: hf) == merged)
        // A later version's text replaces an earlier one's.
        var v3 = arxiv
        v3.version = 3
        v3.abstract = "Revised"
        #expect(merged.merged(with: v3).abstract == "Revised")
        #expect(merged.merged(with: v3).version == 3)
    }
}
