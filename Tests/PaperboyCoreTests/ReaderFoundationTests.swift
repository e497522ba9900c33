import Foundation
import PaperboyCore
import Testing

/// The pieces the reader's pages stand on: the `web:` settings, trusted
/// proxies, link tokens with purposes and subjects, and the reader's URLs.
@Suite struct ReaderFoundationTests {
    let file = "/etc/paperboy/paperboy.yaml"
    let head = "database: x.db\nsources: [{name: a, type: json, url: 'file:///x'}]\n"

    @Test func webSettingsHaveSafeDefaultsAndReadEveryKey() throws {
        let defaults = try PaperboyConfig.parse(head, file: file)
        #expect(defaults.web == WebSettings())
        #expect(defaults.web.subscribe == .closed)
        #expect(defaults.web.pendingDays == 7)
        #expect(defaults.daemon.trustedProxies.isEmpty)
        let config = try PaperboyConfig.parse(head + """
            web:
              subscribe: open
              categories: [cs.CL, cs.LG, cs]
              pending_days: 3
              rate_limits: {per_client: 10/10m, per_address: 2/1d}
            http:
              trusted_proxies: [127.0.0.1, "::1", "[::FFFF:10.0.0.1]"]
            """, file: file)
        #expect(config.web.subscribe == .open)
        #expect(config.web.categories == ["cs.CL", "cs.LG", "cs"])
        #expect(config.web.pendingDays == 3)
        #expect(config.web.perClient == WebSettings.RateLimit(count: 10, window: 600))
        #expect(config.web.perAddress == WebSettings.RateLimit(count: 2, window: 86400))
        #expect(config.daemon.trustedProxies == ["127.0.0.1", "::1", "10.0.0.1"])
    }

    @Test(arguments: [
        ("web: {subscribe: maybe}", "web.subscribe", "use open or closed"),
        ("web: {categories: [cs.XX.YY]}", "web.categories[0]", "not an arXiv category"),
        ("web: {pending_days: 0}", "web.pending_days", "from 1 to 90"),
        ("web: {rate_limits: {per_client: lots}}", "web.rate_limits.per_client", "COUNT/DURATION"),
        ("web: {rate_limits: {per_adress: 1/1h}}", "web.rate_limits.per_adress", "unknown key"),
        ("http: {trusted_proxies: [proxy.example.org]}", "http.trusted_proxies[0]", "not an IP address"),
    ])
    func badWebSettingsNameTheKey(yaml: String, key: String, message: String) {
        let error = #expect(throws: ConfigError.self) { try PaperboyConfig.parse(head + yaml, file: file) }
        #expect(error?.key == key)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func ipAddressesHaveOneWrittenForm() {
        #expect(IPAddressText.normalized("::1") == "::1")
        #expect(IPAddressText.normalized("[0:0:0:0:0:0:0:1]") == "::1")
        #expect(IPAddressText.normalized("2001:DB8::1") == "2001:db8::1")
        #expect(IPAddressText.normalized("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(IPAddressText.normalized(" 192.0.2.7 ") == "192.0.2.7")
        #expect(IPAddressText.normalized("192.0.2.256") == nil)
        #expect(IPAddressText.normalized("localhost") == nil)
    }

    let email = try! EmailAddress(parsing: "ada@example.org")
    let tokens = LinkToken(secret: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test func aTokenWorksForItsPurposeAndSubjectOnly() throws {
        let token = tokens.make(subscriberID: 7, email: email, purpose: .notForMe, subject: "2401.00001")
        let claim = try #require(LinkToken.claim(token))
        #expect(claim.subscriberID == 7)
        #expect(tokens.verify(claim, purpose: .notForMe, email: email, subject: "2401.00001"))
        #expect(!tokens.verify(claim, purpose: .notForMe, email: email, subject: "2401.00002"))
        #expect(!tokens.verify(claim, purpose: .moreLikeThis, email: email, subject: "2401.00001"))
        #expect(!tokens.verify(claim, purpose: .notForMe, email: try EmailAddress(parsing: "bob@example.org"), subject: "2401.00001"))
        // Every purpose makes a different token for the same subscriber.
        let all = Set(LinkToken.Purpose.allCases.map { tokens.make(subscriberID: 7, email: email, purpose: $0) })
        #expect(all.count == LinkToken.Purpose.allCases.count)
    }

    /// Unsubscribe links already mailed keep working: no subject, same MAC as
    /// before subjects existed. The expected token was computed outside Swift
    /// from the v1 format (Python: hmac.new(secret, b"paperboy-link-v1\0unsubscribe\0"
    /// + id + b"ada@example.org", sha256), first 16 bytes, base64url of 01 ‖ id ‖ mac).
    @Test func anUnsubscribeTokenIsWhatItWasBeforeSubjects() {
        #expect(tokens.make(subscriberID: 7, email: email, purpose: .unsubscribe) == "AQAAAAAAAAAHxjn154IKZF_eNPImCuelzw")
    }

    @Test func readerLinksCarryTheirTokenAndEncodeTheirParameters() throws {
        let links = ReaderLinks(tokens: tokens, baseURL: "https://papers.example.org/pb/")
        let now = Date(timeIntervalSince1970: 1_796_000_000.1234)
        var subscriber = Subscriber(id: 9, preferences: SubscriberPreferences(email: email), createdAt: now, updatedAt: now)
        #expect(links.confirm(subscriber) == nil)
        subscriber.pendingSince = now
        // Pending with nothing requested: no link (nothing to confirm).
        #expect(links.confirm(subscriber) == nil)
        subscriber.requested = SubscriberPreferences(email: email)
        let confirm = try #require(links.confirm(subscriber))
        #expect(confirm.hasPrefix("https://papers.example.org/pb/confirm?t="))
        let token = try #require(LinkToken.claim(String(confirm.split(separator: "=").last!)))
        // The moment in milliseconds, then the first 8 hex digits of the SHA-256 of the request's
        // subscriber-file entry (computed outside Swift: sha256(b"email: ada@example.org\ncategories: []\n
        // authors: []\nmin_upvotes: 0\nformat: both\npaused: false\n")).
        #expect(ReaderLinks.confirmSubject(subscriber) == "1796000000123.2f2cbf7f")
        #expect(tokens.verify(token, purpose: .confirm, email: email, subject: "1796000000123.2f2cbf7f"))
        #expect(!tokens.verify(token, purpose: .confirm, email: email, subject: "1796000000123"))
        let view = links.view(subscriber, periodKey: "daily:2026-11-30 08:00 Europe/Berlin")
        #expect(view.hasSuffix("&k=daily%3A2026-11-30%2008%3A00%20Europe%2FBerlin"))
        let feedback = links.feedback(subscriber, paperID: "2401.00001", .notForMe)
        #expect(feedback.contains("/feedback?t=") && feedback.hasSuffix("&p=2401.00001&a=not-for-me"))
        #expect(links.preferences(subscriber).hasPrefix("https://papers.example.org/pb/preferences?t="))
        #expect(links.subscribe == "https://papers.example.org/pb/subscribe")
    }
}
