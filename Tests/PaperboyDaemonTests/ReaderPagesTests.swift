import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PaperboyCore
@testable import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's pages on the public endpoint (the real HTTP server on
/// 127.0.0.1): security headers on every answer, closed mode, the abuse
/// limits (per client, X-Forwarded-For only from a trusted proxy, the body
/// cap), and HTML that a validator accepts.
@Suite(.serialized) struct ReaderPagesTests {
    static let start = instant("2026-11-30T07:00Z")
    /// A valid subscribe form (the honeypot left empty).
    static let form = "email=ada%40example.org&query=diffusion&cadence=daily&weekday=mon&time=08%3A00&timeZone=Europe%2FBerlin&format=both&maxPapers=&website=&action=subscribe"
    /// The same with the honeypot filled: answered like any request, nothing stored.
    static let trapped = "email=bot%40example.org&query=&cadence=daily&weekday=mon&time=08%3A00&timeZone=UTC&format=both&website=http%3A%2F%2Fspam&action=subscribe"

    static func harness(_ web: String = "web: {subscribe: open, categories: [cs.CL, cs.LG]}", extra: String = "") throws -> DaemonHarness {
        try DaemonHarness(start: start, extra: web + "\n" + extra)
    }

    /// A request with extra headers; the status, body and headers (names lower-cased).
    static func exchange(_ method: String, port: Int, _ path: String, body: String? = nil,
                         headers: [String: String] = [:]) async throws -> (status: Int, body: String, headers: [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        var fields: [String: String] = [:]
        for (name, value) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] { fields["\(name)".lowercased()] = "\(value)" }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self), fields)
    }

    static let policy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action https://lab.example.org 'self'; frame-ancestors 'none'"

    @Test func everyAnswerCarriesTheSecurityHeadersAndNoCookie() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        let requests: [(method: String, path: String, body: String?, status: Int)] = [
            ("GET", "/subscribe", nil, 200),
            ("POST", "/subscribe", Self.trapped, 200),
            ("POST", "/subscribe", "email=nobody&action=subscribe", 422),
            ("GET", "/static/paperboy.css", nil, 200),
            ("GET", "/static/paperboy.js", nil, 200),
            ("GET", "/static/other.js", nil, 404),
            ("GET", "/confirm?t=nonsense", nil, 400),
            ("POST", "/confirm?t=nonsense", "", 400),
            ("GET", "/preferences", nil, 400),
            ("POST", "/preferences?t=x.y", "action=save", 400),
            ("GET", "/feedback?t=x&p=2401.00001&a=not-for-me", nil, 400),
            ("POST", "/feedback?t=x&p=2401.00001&a=more-like-this", "", 400),
            ("GET", "/d?t=x&k=2026-11-30", nil, 400),
            ("GET", "/unsubscribe?t=nonsense", nil, 400),
            ("GET", "/no-such-page", nil, 404),
        ]
        var answers: [(status: Int, body: String, headers: [String: String])] = []
        for request in requests {
            answers.append(try await Self.exchange(request.method, port: endpoint.port, request.path, body: request.body))
        }
        try await endpoint.stop()
        for (request, answer) in zip(requests, answers) {
            let name = "\(request.method) \(request.path)"
            #expect(answer.status == request.status, "\(name): \(answer.status) \(answer.body)")
            #expect(answer.headers["content-security-policy"] == Self.policy, "\(name): \(answer.headers)")
            #expect(answer.headers["referrer-policy"] == "no-referrer", "\(name)")
            #expect(answer.headers["cache-control"] == "no-store", "\(name)")
            #expect(answer.headers["x-content-type-options"] == "nosniff", "\(name)")
            #expect(answer.headers["set-cookie"] == nil, "\(name)")
            if !request.path.hasPrefix("/static/paperboy") {
                #expect(answer.headers["content-type"] == "text/html; charset=utf-8", "\(name)")
                #expect(answer.body.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"), "\(name)")
                #expect(answer.body.components(separatedBy: "<h1").count == 2, "\(name): not exactly one h1")
                #expect(!answer.body.contains("<style"), "\(name): an inline style")
                #expect(!answer.body.contains(" style="), "\(name): an inline style")
                #expect(!answer.body.contains("<script>"), "\(name): an inline script")
            }
        }
        #expect(answers[3].headers["content-type"] == "text/css; charset=utf-8")
        #expect(answers[4].headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(answers[4].body.contains("Intl.DateTimeFormat().resolvedOptions().timeZone"))
    }

    @Test func theSubscribeFormLabelsEveryFieldAndOffersTheConfiguredCategories() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        let page = try await endpoint.request("GET", "/subscribe")
        try await endpoint.stop()
        #expect(page.status == 200)
        for id in ["email", "query", "category-cs.CL", "category-cs.LG", "cadence", "weekday", "time", "timeZone", "format", "maxPapers", "website"] {
            #expect(page.body.contains("id=\"\(id)\""), "no field \(id)")
            #expect(page.body.contains("<label for=\"\(id)\">"), "no label for \(id)")
        }
        #expect(page.body.contains("<select id=\"timeZone\" name=\"timeZone\" data-prefill=\"browser\">"))
        #expect(page.body.contains("<option>Europe/Berlin</option>"))
        #expect(page.body.contains("Leave this field empty"))
        #expect(page.body.contains("<button type=\"submit\" name=\"action\" value=\"preview\""))
        #expect(page.body.contains("<form method=\"post\" action=\"subscribe\""))
        #expect(page.body.contains("<link rel=\"stylesheet\" href=\"static/paperboy.css\">"))
        #expect(page.body.contains("<script src=\"static/paperboy.js\" defer></script>"))
    }

    @Test func anInvalidFormComesBackWithInlineErrorsAndItsValuesEscaped() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        let body = "email=not-an-address&query=%3Cscript%3Ealert(1)%3C%2Fscript%3E+AND&cadence=weekly&weekday=thu&time=25%3A00&timeZone=Mars%2FOlympus&format=both&maxPapers=500&website=&action=subscribe"
        let page = try await endpoint.request("POST", "/subscribe", body: body)
        try await endpoint.stop()
        #expect(page.status == 422)
        #expect(page.body.contains("id=\"email-error\""), "\(page.body)")
        #expect(page.body.contains("id=\"maxPapers-error\""))
        #expect(page.body.contains("value=\"not-an-address\""))
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; AND"))
        #expect(!page.body.contains("<script>alert"))
        #expect(page.body.contains("<option value=\"thu\" selected>"))
        #expect(page.body.contains("<option selected>Mars/Olympus</option>"))
        #expect(!page.body.contains("data-prefill"), "a posted zone is the reader's choice; the script must not replace it")
        #expect(try harness.store.subscribers().isEmpty)
    }

    @Test func aFilledHoneypotGetsTheSameAnswerAndNothingIsStored() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        let trapped = try await endpoint.request("POST", "/subscribe", body: Self.trapped)
        try await endpoint.stop()
        #expect(trapped.status == 200)
        #expect(trapped.body.contains("<h1>Check your inbox</h1>"))
        #expect(try harness.store.subscribers().isEmpty)
        #expect(try harness.store.outboxCounts().values.reduce(0, +) == 0)
        #expect(!harness.log.text.contains("bot@example.org"), "an address reached the log")
    }

    @Test func closedModeHasNoSubscribePageAndTheRestStillWorks() async throws {
        let harness = try Self.harness("")
        let endpoint = try await RunningEndpoint(harness)
        let get = try await endpoint.request("GET", "/subscribe")
        let post = try await endpoint.request("POST", "/subscribe", body: Self.form)
        let ada = try harness.addSubscriber("ada@example.org", at: Self.start)
        let unsubscribe = try await endpoint.request("GET", "/unsubscribe?t=\(harness.token(ada))")
        try await endpoint.stop()
        #expect(get.status == 404)
        #expect(get.body.contains("<h1>Subscribing is closed</h1>"))
        #expect(post.status == 404)
        #expect(!post.body.contains("Check your inbox"))
        #expect(unsubscribe.status == 200)
        #expect(try harness.store.subscribers().count == 1)
    }

    @Test func theFormPostAfterTheLimitGets429WithRetryAfter() async throws {
        let harness = try Self.harness("web: {subscribe: open, rate_limits: {per_client: 3/1h}}")
        let endpoint = try await RunningEndpoint(harness)
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await endpoint.request("POST", "/subscribe", body: Self.trapped).status) }
        let refused = try await endpoint.requestWithHeaders("POST", "/subscribe", body: Self.trapped)
        // Other forms count against the same client.
        let confirm = try await endpoint.request("POST", "/confirm?t=nonsense", body: "")
        // A GET is not a form post.
        let page = try await endpoint.request("GET", "/subscribe")
        harness.clock.advance(to: Self.start.addingTimeInterval(3600))
        let later = try await endpoint.request("POST", "/subscribe", body: Self.trapped)
        try await endpoint.stop()
        #expect(statuses == [200, 200, 200])
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "3600")
        #expect(refused.body.contains("<h1>Too many requests</h1>"))
        #expect(refused.body.contains("try again in 60 minutes"))
        #expect(confirm.status == 429)
        #expect(page.status == 200)
        #expect(later.status == 200)
    }

    @Test func forwardedForCountsOnlyWhenThePeerIsATrustedProxy() async throws {
        let limits = "web: {subscribe: open, rate_limits: {per_client: 2/1h}}"
        let trusted = try Self.harness(limits, extra: "http: {trusted_proxies: [127.0.0.1]}")
        var endpoint = try await RunningEndpoint(trusted)
        func post(_ forwardedFor: String) async throws -> Int {
            try await Self.exchange("POST", port: endpoint.port, "/subscribe", body: Self.trapped, headers: ["X-Forwarded-For": forwardedFor]).status
        }
        var behindProxy: [Int] = []
        for hops in ["198.51.100.7", "198.51.100.7", "198.51.100.7", "198.51.100.8",
                     // The client can prepend anything; the proxy appends the address it saw.
                     "203.0.113.1, 198.51.100.7", "198.51.100.9, 127.0.0.1"] {
            behindProxy.append(try await post(hops))
        }
        try await endpoint.stop()
        #expect(behindProxy == [200, 200, 429, 200, 429, 200])

        let untrusted = try Self.harness(limits)
        endpoint = try await RunningEndpoint(untrusted)
        var direct: [Int] = []
        for hops in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] { direct.append(try await post(hops)) }
        try await endpoint.stop()
        #expect(direct == [200, 200, 429], "X-Forwarded-For from a peer that is not a trusted proxy must not count")
    }

    @Test func aBodyOverTheCapGets413() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        let big = Self.form + "&query=" + String(repeating: "a", count: WebSettings.maxBodyBytes)
        let subscribe = try await endpoint.request("POST", "/subscribe", body: big)
        let ada = try harness.addSubscriber("ada@example.org", at: Self.start)
        let unsubscribe = try await endpoint.request("POST", "/unsubscribe?t=\(harness.token(ada))", body: "List-Unsubscribe=One-Click&" + big)
        let justUnder = try await endpoint.request("POST", "/subscribe", body: Self.trapped + "&query=" + String(repeating: "a", count: WebSettings.maxBodyBytes - Self.trapped.count - 8))
        try await endpoint.stop()
        #expect(subscribe.status == 413)
        #expect(subscribe.body.contains("<h1>Request too large</h1>"))
        #expect(unsubscribe.status == 413)
        #expect(justUnder.status == 200)
        #expect(try harness.store.subscribers().map(\.status) == [.active])
    }

    @Test func thePagesValidateWithTidy() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        var pages: [(String, String)] = []
        pages.append(("subscribe", try await endpoint.request("GET", "/subscribe").body))
        pages.append(("subscribe with errors", try await endpoint.request("POST", "/subscribe", body: "email=x&time=99&action=subscribe").body))
        pages.append(("check your inbox", try await endpoint.request("POST", "/subscribe", body: Self.trapped).body))
        pages.append(("link not valid", try await endpoint.request("GET", "/confirm?t=nonsense").body))
        pages.append(("not found", try await endpoint.request("GET", "/nothing").body))
        let ada = try harness.addSubscriber("ada@example.org", at: Self.start)
        pages.append(("unsubscribe", try await endpoint.request("GET", "/unsubscribe?t=\(harness.token(ada))").body))
        pages.append(("request too large", try await endpoint.request("POST", "/subscribe", body: String(repeating: "a", count: WebSettings.maxBodyBytes + 1)).body))
        for _ in 0..<20 { _ = try await endpoint.request("POST", "/confirm?t=nonsense", body: "") }
        pages.append(("too many requests", try await endpoint.request("POST", "/subscribe", body: Self.trapped).body))
        try await endpoint.stop()
        let closed = try Self.harness("")
        let closedEndpoint = try await RunningEndpoint(closed)
        pages.append(("subscribing is closed", try await closedEndpoint.request("GET", "/subscribe").body))
        try await closedEndpoint.stop()
        #expect(pages.map { $0.1.contains("<h1>Too many requests</h1>") }.filter { $0 }.count == 1)
        for (name, html) in pages {
            let problems = try Self.tidy(html)
            #expect(problems.status == 0, "\(name): tidy found problems:\n\(problems.output)")
        }
    }

    /// `tidy -errors -q` on `html`: exit status 0 (clean), 1 (warnings) or 2 (errors), and what it said.
    static func tidy(_ html: String) throws -> (status: Int32, output: String) {
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("page.html")
        try Data(html.utf8).write(to: file)
        let result = try runTool("/usr/bin/tidy", ["-errors", "-q", file.path])
        return (result.status, result.stdout + result.stderr)
    }

    @Test func theMetricsCountReaderEvents() async throws {
        let harness = try Self.harness()
        let endpoint = try await RunningEndpoint(harness)
        harness.daemon.metrics.recordSubscriptionsExpired(2)
        harness.daemon.metrics.recordFeedback(.notForMe, undo: false)
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(metrics.body.contains("paperboy_subscriptions_requested_total 0"), "\(metrics.body)")
        #expect(metrics.body.contains("paperboy_subscriptions_confirmed_total 0"))
        #expect(metrics.body.contains("paperboy_subscriptions_expired_total 2"))
        #expect(metrics.body.contains("paperboy_feedback_given_total{kind=\"not-for-me\"} 1"))
        #expect(metrics.body.contains("paperboy_feedback_given_total{kind=\"more-like-this\"} 0"))
    }

    // MARK: Templates

    @Test func theBinaryCarriesTheTemplatesOfTemplatesWeb() throws {
        let folder = TestPaths.projectRoot.appendingPathComponent("Templates/web")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }.sorted()
        #expect(files.map { "web/" + $0 } == WebTemplates.fileNames.sorted())
        for name in files {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(DigestTemplates.builtInSource("web/" + name) == onDisk, "web/\(name) differs from the built-in copy: run scripts/embed-templates")
        }
    }

    @Test func aWebFolderInTemplatesReplacesAPageAndABrokenOneStopsTheStart() async throws {
        let templates = try TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(at: templates.appendingPathComponent("web"), withIntermediateDirectories: true)
        let message = templates.appendingPathComponent("web/message.mustache")
        try "<p class=\"ours\">{{#paragraphs}}{{.}} {{/paragraphs}}</p>\n".write(to: message, atomically: true, encoding: .utf8)
        let harness = try Self.harness(extra: "templates: \(templates.path)")
        let endpoint = try await RunningEndpoint(harness)
        let page = try await endpoint.request("GET", "/confirm?t=nonsense")
        let subscribe = try await endpoint.request("GET", "/subscribe")
        try await endpoint.stop()
        #expect(page.body.contains("<p class=\"ours\">This link is not valid"), "\(page.body)")
        #expect(page.body.contains("<h1>Link not valid</h1>"), "the built-in layout stays")
        #expect(subscribe.body.contains("id=\"email\""), "the other pages stay built in")

        try "<p>\n{{#paragraphs}}\n".write(to: message, atomically: true, encoding: .utf8)
        #expect {
            _ = try Self.harness(extra: "templates: \(templates.path)")
        } throws: { error in
            "\(error)".contains(message.path + ":") && "\(error)".contains("does not parse")
        }
    }

    // MARK: The limits' parts alone

    @Test func theClientIsThePeerUnlessThePeerIsATrustedProxy() {
        let proxies = ["127.0.0.1", "::1"]
        #expect(ClientAddress.resolve(peer: "192.0.2.1", forwardedFor: ["198.51.100.7"], trustedProxies: proxies) == "192.0.2.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"], trustedProxies: proxies) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["203.0.113.9, 198.51.100.7"], trustedProxies: proxies) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["203.0.113.9", "198.51.100.7, ::1"], trustedProxies: proxies) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["[2001:DB8::1]"], trustedProxies: proxies) == "2001:db8::1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["not-an-address"], trustedProxies: proxies) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: [], trustedProxies: proxies) == "127.0.0.1")
    }

    /// An IPv6 client is counted by its /64, so one line cannot take a fresh allowance per address.
    @Test func anIPv6ClientIsCountedByItsSlash64() {
        #expect(ClientAddress.limitKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limitKey("2001:db8:1:2:bbbb::99") == ClientAddress.limitKey("2001:db8:1:2:aaaa::1"))
        #expect(ClientAddress.limitKey("2001:db8:1:3::1") != ClientAddress.limitKey("2001:db8:1:2::1"))
        #expect(ClientAddress.limitKey("192.0.2.7") == "192.0.2.7")
        let limiter = RateLimiter()
        let limit = WebSettings.RateLimit(count: 2, window: 3600)
        for host in 1...2 { #expect(limiter.admit("client " + ClientAddress.limitKey("2001:db8:1:2::\(host)"), limit: limit, at: Self.start) == nil) }
        #expect(limiter.admit("client " + ClientAddress.limitKey("2001:db8:1:2::3"), limit: limit, at: Self.start) == 3600)
    }

    /// Keys under a short limit never shorten a long limit's window when the
    /// table is full: an address limited for a day stays limited.
    @Test func aFullTableKeepsEachKeysOwnWindow() {
        let limiter = RateLimiter(capacity: 10)
        let day = WebSettings.RateLimit(count: 1, window: 86400)
        let minute = WebSettings.RateLimit(count: 1, window: 60)
        #expect(limiter.admit("address a", limit: day, at: Self.start) == nil)
        for index in 0..<50 {
            _ = limiter.admit("client \(index)", limit: minute, at: Self.start.addingTimeInterval(Double(700 + index)))
            #expect(limiter.count <= 10)
        }
        #expect(limiter.admit("address a", limit: day, at: Self.start.addingTimeInterval(800)) == 86400 - 800)
    }

    @Test func theLimiterKeepsAtMostItsCapacity() {
        let limiter = RateLimiter(capacity: 3)
        let limit = WebSettings.RateLimit(count: 1, window: 60)
        for index in 0..<10 {
            #expect(limiter.admit("client \(index)", limit: limit, at: Self.start.addingTimeInterval(Double(index))) == nil)
            #expect(limiter.count <= 3)
        }
        #expect(limiter.admit("client 9", limit: limit, at: Self.start.addingTimeInterval(10)) == 59)
        #expect(limiter.admit("client 9", limit: limit, at: Self.start.addingTimeInterval(69)) == nil)
    }
}
