import Curl
import Foundation
import PaperboyTestSupport
import Testing

@Suite struct HTTPFetcherTests {
    let server = FixtureServer.shared
    let fetcher = HTTPFetcher(options: HTTPFetchOptions(connectTimeout: 2, totalTimeout: 2, maxResponseBytes: 64 * 1024, userAgent: "paperboy/test"))

    @Test func conditionalGetGives304() throws {
        let url = server.url("/fixtures/arxiv-api-query.xml")
        guard case .fetched(let body, let status, let validators, _) = try fetcher.fetch(url) else {
            Issue.record("first fetch should bring a body")
            return
        }
        #expect(status == 200)
        #expect(body.count == 6323)
        #expect(validators.etag?.hasPrefix("\"") == true)
        #expect(validators.lastModified != nil)
        guard case .notModified = try fetcher.fetch(url, validators: validators) else {
            Issue.record("second fetch with validators should be 304")
            return
        }
        // Last-Modified alone works too.
        guard case .notModified = try fetcher.fetch(url, validators: HTTPValidators(lastModified: validators.lastModified)) else {
            Issue.record("If-Modified-Since should give 304")
            return
        }
    }

    @Test func sendsUserAgentAndAcceptEncoding() throws {
        guard case .fetched(let body, _, _, _) = try fetcher.fetch(server.url("/headers")) else {
            Issue.record("expected a body")
            return
        }
        let headers = try JSONSerialization.jsonObject(with: Data(body)) as? [String: String]
        #expect(headers?["User-Agent"] == "paperboy/test")
        #expect(headers?["Accept-Encoding"]?.contains("gzip") == true)
    }

    @Test(arguments: [404, 500, 503])
    func httpErrorStatusesCarryURLAndStatus(status: Int) {
        let url = server.url("/status/\(status)")
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(url) }
        #expect(error?.kind == .httpStatus)
        #expect(error?.httpStatus == status)
        #expect(error?.description.contains(url) == true)
        #expect(error?.description.contains("HTTP \(status)") == true)
    }

    @Test func aServerThatNeverAnswersTimesOut() {
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(server.url("/hang")) }
        #expect(error?.kind == .timeout)
        #expect(error?.curlCode == 28)
        #expect(error?.description.contains("/hang") == true)
    }

    @Test(arguments: ["dict://127.0.0.1:11211/stat", "gopher://127.0.0.1:70/1", "ftp://127.0.0.1/feed.xml"])
    func refusesOtherSchemes(url: String) {
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(url) }
        #expect(error?.kind == .disallowedProtocol)
        #expect(error?.curlCode == 1)
        #expect(error?.description.contains(url) == true)
    }

    @Test(arguments: ["gopher://127.0.0.1:70/1", "file:///etc/passwd", "dict://127.0.0.1/x"])
    func refusesRedirectsToOtherSchemes(target: String) {
        let url = server.url("/redirect?to=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(url) }
        #expect(error?.kind == .disallowedProtocol)
    }

    @Test func followsAtMostFiveRedirects() throws {
        func chain(_ depth: Int) -> String {
            var url = server.url("/fixtures/hf-daily-papers.json")
            for _ in 0..<depth {
                url = server.url("/redirect?to=\(url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            }
            return url
        }
        guard case .fetched(_, 200, _, let effective) = try fetcher.fetch(chain(5)) else {
            Issue.record("five redirects should be followed")
            return
        }
        #expect(effective.hasSuffix("/fixtures/hf-daily-papers.json"))
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(chain(6)) }
        #expect(error?.kind == .tooManyRedirects)
    }

    @Test func refusesResponsesOverTheLimit() {
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(server.url("/big?bytes=200000")) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.description.contains("max_response_bytes") == true)
    }

    @Test func readsFileURLs() throws {
        let url = TestPaths.fixtures.appendingPathComponent("hf-daily-papers.json").absoluteString
        guard case .fetched(let body, _, _, _) = try fetcher.fetch(url) else {
            Issue.record("file:// should be read")
            return
        }
        #expect(body.count == 9525)
    }

    @Test func aCompressedBodyIsCappedAfterDecompression() {
        // 2 KB on the wire, 2 MB once inflated: the cap counts what arrives after decoding.
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(server.url("/gzip-bomb.json")) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.curlCode == 23)
    }

    @Test func aClosedPortIsAConnectError() throws {
        guard case .fetched(let body, _, _, _) = try fetcher.fetch(server.url("/closed-port")) else {
            Issue.record("the server should name a closed port")
            return
        }
        let port = String(decoding: body, as: UTF8.self)
        let error = #expect(throws: CurlError.self) { try fetcher.fetch("http://127.0.0.1:\(port)/feed") }
        #expect(error?.kind == .connect)
        #expect(error?.curlCode == 7)
    }
}

@Suite struct CompressedFetchTests {
    @Test func gzipResponsesArriveDecompressed() throws {
        let fetcher = HTTPFetcher(options: HTTPFetchOptions(totalTimeout: 5))
        guard case .fetched(let body, 200, _, _) = try fetcher.fetch(FixtureServer.shared.url("/gzip/hf-daily-papers.json")) else {
            Issue.record("expected a 200 body")
            return
        }
        #expect(body == (try TestPaths.fixture("hf-daily-papers.json")))
    }
}
