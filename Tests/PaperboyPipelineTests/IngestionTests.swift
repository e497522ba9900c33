import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Fetches from the fixture server through libcurl into a real SQLite file.
@Suite struct IngestionTests {
    let server = FixtureServer.shared
    let settings: FetchSettings = {
        var settings = FetchSettings()
        settings.timeout = 2
        settings.connectTimeout = 2
        settings.maxResponseBytes = 200_000
        return settings
    }()

    func makeStore() throws -> Store {
        try Store(path: try TestPaths.temporaryDirectory().appendingPathComponent("papers.sqlite").path)
    }

    func ingestor(_ store: Store, at seconds: Double = 1_790_000_000) -> FeedIngestor {
        FeedIngestor(store: store, settings: settings, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                     now: { Date(timeIntervalSince1970: seconds) })
    }

    func source(_ name: String, _ type: SourceType, _ path: String) -> SourceConfig {
        SourceConfig(name: name, type: type, url: server.url(path))
    }

    @Test func eachSourceTypeGivesItsPapers() throws {
        let store = try makeStore()
        let reports = ingestor(store).ingest([
            source("hf", .huggingface, "/fixtures/hf-daily-papers.json"),
            source("arxiv-api", .arxiv, "/fixtures/arxiv-api-query.xml"),
            source("arxiv-atom", .arxiv, "/fixtures/arxiv-rss-cs.AI.xml"),
        ])
        #expect(reports.map(\.line) == [
            "hf: fetched 2, new 2, updated 0, unchanged 0",
            "arxiv-api: fetched 2, new 2, updated 0, unchanged 0",
            "arxiv-atom: fetched 7, new 7, updated 0, unchanged 0",
        ])
        #expect(try store.paperCount() == 11)
        let stored = try #require(try store.paper(id: "2312.02896v2"))
        #expect(stored.title == "BenchLMM: Benchmarking Cross-style Visual Capability of Large Multimodal Models")
        #expect(stored.authors.count == 7)
        #expect(stored.categories == ["cs.CV"])
        #expect(stored.sources == ["arxiv-api"])
        let hf = try #require(try store.paper(id: "2602.23229"))
        #expect(hf.upvotes == 10)
        #expect(hf.aiKeywords.count == 9)
        #expect(hf.links.projectPage == "https://circle-lmm.github.io/")
    }

    @Test func rssAndJSONSourcesOverHTTP() throws {
        let directory = try TestPaths.temporaryDirectory()
        let corpus = directory.appendingPathComponent("demo.json")
        try Data(DemoCorpus.bytes).write(to: corpus)
        let store = try makeStore()
        let reports = ingestor(store).ingest([
            source("rss", .arxiv, "/fixtures/arxiv-rss2-cs.AI.xml"),
            SourceConfig(name: "demo", type: .json, url: corpus.absoluteString),
        ])
        #expect(reports.map(\.line) == [
            "rss: fetched 7, new 7, updated 0, unchanged 0",
            "demo: fetched 61, new 61, updated 0, unchanged 0",
        ])
        #expect(try store.paper(id: "oai:arXiv.org:2508.13429v1")?.authors == ["Paulo André Lima de Castro"])
    }

    @Test func anUnchangedFeedIsA304OnTheSecondFetch() throws {
        let store = try makeStore()
        // A path of its own so parallel tests do not share the request count.
        let path = "/alias/second-fetch/arxiv-rss-cs.AI.xml"
        let feed = source("cs-ai", .arxiv, path)
        #expect(ingestor(store).ingest(feed).line == "cs-ai: fetched 7, new 7, updated 0, unchanged 0")
        #expect(ingestor(store, at: 1_790_003_600).ingest(feed).line == "cs-ai: unchanged (HTTP 304 Not Modified)")
        #expect(try server.requestCount(path) == 2)
        let state = try #require(try store.sourceState("cs-ai"))
        #expect(state.etag != nil)
        #expect(state.lastFetchedAt == Date(timeIntervalSince1970: 1_790_003_600))
        #expect(state.lastChangedAt == Date(timeIntervalSince1970: 1_790_000_000))
        #expect(try store.paperCount() == 7)
    }

    @Test func aChangedURLDoesNotReuseTheOldValidators() throws {
        let store = try makeStore()
        #expect(ingestor(store).ingest(source("feed", .arxiv, "/alias/url-a/arxiv-api-query.xml")).succeeded)
        // Same name, same content, new URL: fetched in full, not a 304.
        let moved = ingestor(store, at: 1_790_000_100).ingest(source("feed", .arxiv, "/alias/url-b/arxiv-api-query.xml"))
        #expect(moved.line == "feed: fetched 2, new 0, updated 0, unchanged 2")
        #expect(try store.sourceState("feed")?.url == server.url("/alias/url-b/arxiv-api-query.xml"))
    }

    @Test func jsonLinesOverHTTPWithIDsAuthorsAndCategories() throws {
        let store = try makeStore()
        let report = ingestor(store).ingest(source("papers", .json, "/fixtures/papers.jsonl"))
        #expect(report.line == "papers: fetched 2, new 2, updated 0, unchanged 0")
        let first = try #require(try store.paper(id: "2401.00001"))
        #expect(first.version == 2)
        #expect(first.title == "A Hand-Made Paper for the json Source")
        #expect(first.abstract == "Written for the tests: JSON Lines over HTTP.")
        #expect(first.authors == ["Ada Lovelace", "Charles Babbage"])
        #expect(first.categories == ["cs.LG", "stat.ML"])
        #expect(first.upvotes == 3)
        let second = try #require(try store.paper(id: StableID.forTitle("A Paper Without an Id")))
        #expect(second.authors == ["Grace Hopper", "Alan Turing"])
        #expect(second.upvotes == nil)
    }

    @Test func theIngestorSendsPaperboysUserAgent() throws {
        let store = try makeStore()
        #expect(ingestor(store).ingest(source("ua", .json, "/user-agent.jsonl")).succeeded)
        #expect(try store.paper(id: "2401.00001")?.title == "paperboy/\(PaperboyVersion.current)")
    }

    @Test func huggingFaceAndArxivBecomeOneRow() throws {
        let store = try makeStore()
        let reports = ingestor(store).ingest([
            source("hf", .huggingface, "/fixtures/hf-daily-papers.json"),
            source("arxiv", .arxiv, "/fixtures/arxiv-api-2410.18533v1.xml"),
        ])
        #expect(reports[1].line == "arxiv: fetched 2, new 1, updated 1, unchanged 0")
        #expect(try store.paperCount() == 3)
        let logo = try #require(try store.paper(id: "2410.18533"))
        #expect(logo.upvotes == 37)                       // from Hugging Face
        #expect(logo.comments == 2)                       // from Hugging Face
        #expect(logo.categories == ["cs.CL", "cs.AI"])    // from arXiv
        #expect(logo.version == 1)                        // from arXiv
        #expect(logo.sources == ["hf", "arxiv"])
        #expect(logo.firstSeenAt == Date(timeIntervalSince1970: 1_790_000_000))
        let hits = try store.fullTextMatches("distill* OR logo")
        #expect(hits == ["2410.18533"])
    }

    @Test func v1ThenV2IsOneRow() throws {
        let store = try makeStore()
        _ = ingestor(store, at: 1_790_000_000).ingest(source("arxiv", .arxiv, "/fixtures/arxiv-api-2410.18533v1.xml"))
        let report = ingestor(store, at: 1_790_086_400).ingest(source("arxiv", .arxiv, "/fixtures/arxiv-api-2410.18533v2.xml"))
        #expect(report.line == "arxiv: fetched 2, new 0, updated 1, unchanged 1")
        #expect(try store.paperCount() == 2)
        let logo = try #require(try store.paper(id: "2410.18533v1"))
        #expect(logo.version == 2)
        #expect(logo.categories == ["cs.CL", "cs.AI", "cs.LG"])
        #expect(logo.firstSeenAt == Date(timeIntervalSince1970: 1_790_000_000))
        // Hearing v1 again later does not downgrade it.
        let store2Report = ingestor(store, at: 1_790_172_800).ingest(SourceConfig(name: "again", type: .arxiv, url: server.url("/fixtures/arxiv-api-2410.18533v1.xml")))
        #expect(store2Report.line == "again: fetched 2, new 0, updated 2, unchanged 0")
        #expect(try store.paper(id: "2410.18533")?.version == 2)
    }

    /// Each bad source fails alone, with a clear error, and changes nothing.
    @Test(arguments: [
        ("malformed-json", SourceType.json, "/malformed.json", "not well-formed JSON"),
        ("malformed-xml", .arxiv, "/malformed.xml", "not well-formed XML"),
        ("bomb", .arxiv, "/bomb.xml", "entity"),
        ("not-found", .huggingface, "/status/404", "HTTP 404"),
        ("server-error", .huggingface, "/status/500", "HTTP 500"),
        ("hangs", .json, "/hang", "curl error 28"),
        ("too-big", .json, "/big?bytes=500000", "max_response_bytes"),
        ("gzip-bomb", .json, "/gzip-bomb.json", "max_response_bytes"),
        ("bad-utf8", .json, "/invalid-utf8.json", "not valid UTF-8"),
        ("redirect-gopher", .json, "/redirect?to=gopher%3A%2F%2F127.0.0.1%3A70%2F1", "curl error 1"),
        ("html-not-feed", .huggingface, "/status/200", "expected Hugging Face daily papers JSON (a list of objects with `paper`), got text"),
    ])
    func badSourcesFailAloneAndChangeNothing(name: String, type: SourceType, path: String, expected: String) throws {
        let store = try makeStore()
        let reports = ingestor(store).ingest([
            source(name, type, path),
            source("good", .huggingface, "/fixtures/hf-daily-papers.json"),
        ])
        #expect(reports[0].succeeded == false)
        #expect(reports[0].line.hasPrefix("\(name): error: "))
        #expect(reports[0].line.contains(expected), "\(reports[0].line)")
        #expect(reports[0].line.contains("127.0.0.1"), "the error names the URL: \(reports[0].line)")
        #expect(reports[1].line == "good: fetched 2, new 2, updated 0, unchanged 0")
        #expect(try store.paperCount() == 2)
        // Only the attempt is recorded (a failure in a row, for the back-off): no validators, no fetch time.
        let state = try #require(try store.sourceState(name))
        #expect(state == SourceState(name: name, lastAttemptAt: state.lastAttemptAt, consecutiveFailures: 1))
        #expect(state.lastAttemptAt != nil)
        #expect(try store.papers().allSatisfy { $0.sources == ["good"] })
    }

    @Test(arguments: ["dict://127.0.0.1:11211/stats", "gopher://127.0.0.1:70/1"])
    func otherSchemesFailAlone(url: String) throws {
        let store = try makeStore()
        let reports = ingestor(store).ingest([
            SourceConfig(name: "odd", type: .json, url: url),
            source("good", .huggingface, "/fixtures/hf-daily-papers.json"),
        ])
        #expect(reports[0].line.contains("odd: error: \(url)"))
        #expect(reports[0].line.contains("Only http, https and file URLs are fetched"))
        #expect(reports[1].succeeded)
        #expect(try store.sourceState("odd")?.consecutiveFailures == 1)
        #expect(try store.sourceState("odd")?.lastFetchedAt == nil)
    }

    @Test func aFailedFetchKeepsEarlierPapersAndValidators() throws {
        let store = try makeStore()
        let good = source("feed", .huggingface, "/fixtures/hf-daily-papers.json")
        #expect(ingestor(store).ingest(good).succeeded)
        let before = try store.sourceState("feed")
        let broken = source("feed", .huggingface, "/malformed.json")
        #expect(!ingestor(store, at: 1_790_100_000).ingest(broken).succeeded)
        // Papers and validators stay; the failed attempt is counted for the back-off.
        var expected = try #require(before)
        #expect(expected.consecutiveFailures == 0)
        expected.lastAttemptAt = Date(timeIntervalSince1970: 1_790_100_000)
        expected.consecutiveFailures = 1
        #expect(try store.sourceState("feed") == expected)
        #expect(try store.paperCount() == 2)
    }
}
