import Foundation
import PaperboyCore
@testable import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's pages over the desk's rules, through the real HTTP server:
/// the subscribe form reveals nobody, the confirmation mail leaves at once,
/// confirming works once, and a link scanner that GETs every link of the
/// mails changes nothing in the store.
@Suite(.serialized) struct ReaderFlowTests {
    static let start = instant("2026-11-30T07:00Z")
    static let web = "web: {subscribe: open, categories: [cs.CL, cs.LG]}"

    static func form(_ email: String, action: String = "subscribe") -> String {
        "email=\(ReaderLinks.encode(email))&query=language+models&categories=cs.CL&cadence=daily&weekday=mon&time=08%3A00&timeZone=Europe%2FBerlin&format=both&maxPapers=3&website=&action=\(action)"
    }

    @Test func subscribeAnswersTheSameBytesForANewPendingActiveAndUnsubscribedAddress() async throws {
        let harness = try DaemonHarness(start: Self.start, extra: Self.web)
        try harness.addSubscriber("active@example.org", at: Self.start.addingTimeInterval(-86400))
        let gone = try harness.addSubscriber("gone@example.org", at: Self.start.addingTimeInterval(-86400))
        _ = try harness.store.unsubscribe(id: gone.id, at: Self.start.addingTimeInterval(-3600))
        let endpoint = try await RunningEndpoint(harness)
        let first = try await endpoint.request("POST", "/subscribe", body: Self.form("pending@example.org"))
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "pending@example.org"))?.status == .pending)
        var answers: [String: (status: Int, body: String)] = [:]
        for address in ["new@example.org", "pending@example.org", "active@example.org", "gone@example.org"] {
            answers[address] = try await endpoint.request("POST", "/subscribe", body: Self.form(address))
        }
        try await endpoint.stop()
        #expect(first.status == 200)
        for (address, answer) in answers {
            #expect(answer.status == 200, "\(address)")
            #expect(answer.body == first.body, "the answer for \(address) differs: it tells who is subscribed")
            #expect(!answer.body.contains(address))
        }
        #expect(first.body.contains("<h1>Check your inbox</h1>"))
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "gone@example.org"))?.status == .unsubscribed,
                "a stranger's form must not change an unsubscribed address")
        #expect(!harness.log.text.contains("@example.org"), "an address reached the log")
    }

    @Test func theConfirmationMailLeavesAtOnceAndItsLinkConfirmsOnce() async throws {
        let sink = try SMTPSink()
        let harness = try DaemonHarness(start: Self.start, smtpURL: sink.url, extra: Self.web)
        try harness.addPapers(at: Self.start.addingTimeInterval(-3600))
        // The sender alongside the pages, on a clock that does not move: only the page's wake can start it.
        let endpoint = try await RunningEndpoint(harness, alongside: [harness.daemon.services().sender])
        let posted = try await endpoint.request("POST", "/subscribe", body: Self.form("reader@example.org"))
        #expect(posted.status == 200)
        let dump = sink.dump(expecting: 1)
        let link = try #require(Self.links(in: dump).first { $0.hasPrefix("/confirm?") }, "no confirmation link in \(dump)")
        let page = try await endpoint.request("GET", link)
        #expect(page.status == 200)
        #expect(page.body.contains("<button type=\"submit\">Confirm my subscription</button>"))
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "reader@example.org"))?.status == .pending, "a GET confirmed")
        let confirmed = try await endpoint.request("POST", link, body: "")
        let again = try await endpoint.request("POST", link, body: "")
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(confirmed.status == 200, "\(confirmed.body)")
        #expect(confirmed.body.contains("<h1>You are subscribed</h1>"))
        #expect(confirmed.body.contains("(Europe/Berlin)"), "the first digest's time is in the reader's zone")
        #expect(again.status == 400)
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "reader@example.org"))?.status == .active)
        #expect(metrics.body.contains("paperboy_subscriptions_requested_total 1"))
        #expect(metrics.body.contains("paperboy_subscriptions_confirmed_total 1"))
    }

    @Test func aLinkScannerThatGetsEveryLinkOfTheMailsChangesNothing() async throws {
        let sink = try SMTPSink()
        let harness = try DaemonHarness(start: Self.start, smtpURL: sink.url, extra: Self.web)
        try harness.addPapers(at: Self.start.addingTimeInterval(-3600))
        try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: Self.start.addingTimeInterval(-86400 * 2), maxPapers: 3)
        let services = harness.daemon.services()
        #expect(try services.scheduler.tick(at: instant("2026-11-30T08:00Z")).planned == 1)
        harness.clock.advance(to: instant("2026-11-30T08:00Z"))
        let endpoint = try await RunningEndpoint(harness)
        #expect(try await endpoint.request("POST", "/subscribe", body: Self.form("new@example.org")).status == 200)
        #expect(try services.sender.deliver().sent == 2)
        let links = Self.links(in: sink.dump(expecting: 2))
        #expect(links.contains { $0.hasPrefix("/confirm?") }, "\(links)")
        #expect(links.contains { $0.hasPrefix("/unsubscribe?") }, "\(links)")

        let before = try Self.storeDump(harness)
        var statuses: [String: Int] = [:]
        for link in links { statuses[link] = try await endpoint.request("GET", link).status }
        let after = try Self.storeDump(harness)
        try await endpoint.stop()
        #expect(after == before, "a GET changed the store")
        for (link, status) in statuses { #expect([200, 410].contains(status), "GET \(link): \(status)") }
    }

    /// The reader's links in a dump of mails (quoted-printable and HTML
    /// decoded), as paths on the public endpoint.
    static func links(in dump: String) -> [String] {
        let text = dump.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
            .replacingOccurrences(of: "=3D", with: "=").replacingOccurrences(of: "&amp;", with: "&")
        let pattern = /https:\/\/lab\.example\.org(\/(?:subscribe|confirm|preferences|feedback|d|unsubscribe)\?[A-Za-z0-9\/?=&._~%-]+)/
        var seen: [String] = []
        for match in text.matches(of: pattern) where !seen.contains(String(match.1)) { seen.append(String(match.1)) }
        return seen
    }

    /// The subscribers and the outbox, every column, in a stable order.
    static func storeDump(_ harness: DaemonHarness) throws -> String {
        let database = harness.directory.appendingPathComponent("paperboy.sqlite").path
        let result = try runTool("/usr/bin/sqlite3", [database, "SELECT * FROM subscriber ORDER BY id; SELECT * FROM outbox ORDER BY id; SELECT * FROM sent_paper ORDER BY 1, 2;"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }
}
