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

    @Test func theSubscribeAfterTheLimitForOneAddressGets429AndOtherAddressesStillGetThrough() async throws {
        let harness = try DaemonHarness(start: Self.start, extra: "web: {subscribe: open, categories: [cs.CL], rate_limits: {per_address: 2/10m}}")
        let endpoint = try await RunningEndpoint(harness)
        var statuses: [Int] = []
        for address in ["ada@example.org", "ada@example.org", "ada@example.org", "alan@example.org"] {
            statuses.append(try await endpoint.request("POST", "/subscribe", body: Self.form(address)).status)
        }
        let refused = try await endpoint.requestWithHeaders("POST", "/subscribe", body: Self.form("ada@example.org"))
        // A preview is not a subscribe request.
        let preview = try await endpoint.request("POST", "/subscribe", body: Self.form("ada@example.org", action: "preview"))
        try await endpoint.stop()
        #expect(statuses == [200, 200, 429, 200])
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "600")
        #expect(preview.status == 200)
    }

    @Test func anExpiredRequestIsCountedInTheMetrics() async throws {
        let harness = try DaemonHarness(start: Self.start, extra: "web: {subscribe: open, categories: [cs.CL], pending_days: 1}")
        let endpoint = try await RunningEndpoint(harness)
        #expect(try await endpoint.request("POST", "/subscribe", body: Self.form("late@example.org")).status == 200)
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "late@example.org"))?.status == .pending)
        try harness.daemon.services().scheduler.tick(at: Self.start.addingTimeInterval(2 * 86400))
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(try harness.store.subscriber(try EmailAddress(parsing: "late@example.org")) == nil)
        #expect(metrics.body.contains("paperboy_subscriptions_expired_total 1"), "\(metrics.body)")
    }

    @Test func thePreviewShowsTheMatchingPapersOrTheQueryErrorWithItsColumnAndNeedsNoAddress() async throws {
        let harness = try DaemonHarness(start: Self.start, extra: Self.web)
        try harness.addPapers(at: Self.start.addingTimeInterval(-3600))
        let endpoint = try await RunningEndpoint(harness)
        let matching = try await endpoint.request("POST", "/subscribe", body: Self.form("", action: "preview").replacingOccurrences(of: "&categories=cs.CL", with: ""))
        let broken = try await endpoint.request("POST", "/subscribe", body: Self.form("", action: "preview").replacingOccurrences(of: "query=language+models", with: "query=%28language"))
        try await endpoint.stop()
        #expect(matching.status == 200, "\(matching.body)")
        #expect(matching.body.contains("<h2 id=\"preview-heading\">Preview: the last 7 days</h2>"))
        #expect(matching.body.contains("<ol class=\"papers\">"), "no paper matched the demo corpus")
        #expect(!matching.body.contains("email-error"))
        #expect(broken.status == 422)
        #expect(broken.body.contains("id=\"query-error\""))
        #expect(broken.body.contains("column"))
        #expect(try harness.store.subscribers().isEmpty, "a preview stored something")
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
        // The mail carries nothing of the form (anyone may fill it in for any address)...
        #expect(!dump.contains("language models"), "the confirmation mail relays the requested query")
        let page = try await endpoint.request("GET", link)
        #expect(page.status == 200)
        #expect(page.body.contains("<button type=\"submit\">Confirm my subscription</button>"))
        // ...the confirm page, which only the inbox's owner reaches, shows what confirming applies.
        #expect(page.body.contains("Asked for: papers matching language models in cs.CL"), "\(page.body)")
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
        var links = Self.links(in: sink.dump(expecting: 2))
        #expect(links.contains { $0.hasPrefix("/confirm?") }, "\(links)")
        #expect(links.contains { $0.hasPrefix("/unsubscribe?") }, "\(links)")
        for path in ["/preferences?", "/feedback?", "/d?"] { #expect(links.contains { $0.hasPrefix(path) }, "the digest has no \(path) link: \(links)") }
        // Every kind of reader link for the digest's subscriber and papers, whether or not the templates carry them yet.
        let ada = try #require(try harness.store.subscriber(try EmailAddress(parsing: "ada@example.org")))
        let readerLinks = harness.daemon.runtime.runtime.composer.links
        let period = try Self.sql(harness, "SELECT period_key FROM outbox WHERE subscriber_id = \(ada.id)")
        var made = [readerLinks.preferences(ada), readerLinks.view(ada, periodKey: period), readerLinks.unsubscribe(ada)]
        for paper in try Self.sql(harness, "SELECT paper_id FROM sent_paper WHERE subscriber_id = \(ada.id)").split(separator: "\n") {
            made += ReaderLinks.Feedback.allCases.map { readerLinks.feedback(ada, paperID: String(paper), $0) }
        }
        for link in made.map({ String($0.dropFirst("https://lab.example.org".count)) }) where !links.contains(link) { links.append(link) }
        #expect(links.count >= 7, "\(links)")

        let before = try Self.storeDump(harness)
        var statuses: [String: Int] = [:]
        for link in links { statuses[link] = try await endpoint.request("GET", link).status }
        let after = try Self.storeDump(harness)
        try await endpoint.stop()
        #expect(after == before, "a GET changed the store")
        for (link, status) in statuses { #expect([200, 410].contains(status), "GET \(link): \(status)") }
    }

    /// One SQL query's output, trimmed.
    static func sql(_ harness: DaemonHarness, _ query: String) throws -> String {
        let database = harness.directory.appendingPathComponent("paperboy.sqlite").path
        let result = try runTool("/usr/bin/sqlite3", [database, query])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A subscriber with a sent digest (three demo papers), and the endpoint.
    static func withDigest() async throws -> (harness: DaemonHarness, endpoint: RunningEndpoint, ada: Subscriber, period: String, papers: [String]) {
        let harness = try DaemonHarness(start: start, extra: web)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400 * 2), maxPapers: 3)
        #expect(try harness.daemon.services().scheduler.tick(at: instant("2026-11-30T08:00Z")).planned == 1)
        harness.clock.advance(to: instant("2026-11-30T08:00Z"))
        let period = try sql(harness, "SELECT period_key FROM outbox WHERE subscriber_id = \(ada.id)")
        let papers = try sql(harness, "SELECT paper_id FROM sent_paper WHERE subscriber_id = \(ada.id)").split(separator: "\n").map(String.init)
        return (harness, try await RunningEndpoint(harness), ada, period, papers)
    }

    static func path(_ url: String) -> String { String(url.dropFirst("https://lab.example.org".count)) }

    @Test func thePreferenceCentreSavesSaysWhatChangedAndShowsErrorsInline() async throws {
        let (harness, endpoint, ada, _, _) = try await Self.withDigest()
        let link = Self.path(harness.daemon.runtime.runtime.composer.links.preferences(ada))
        let page = try await endpoint.request("GET", link)
        let settings = "query=diffusion&categories=cs.CL&authors=Ada+Lovelace&minUpvotes=5&cadence=weekly&weekday=fri&time=07%3A30&timeZone=Europe%2FBerlin&format=text&maxPapers=4"
        let bad = try await endpoint.request("POST", link, body: "query=%28unbalanced&cadence=daily&time=08%3A00&timeZone=UTC&format=both&maxPapers=0&action=save")
        let unchanged = try harness.store.subscriber(ada.email)
        let saved = try await endpoint.request("POST", link, body: settings + "&action=save")
        let preview = try await endpoint.request("POST", link, body: settings.replacingOccurrences(of: "diffusion", with: "zzzznothing") + "&action=preview")
        let afterPreview = try harness.store.subscriber(ada.email)
        let paused = try await endpoint.request("POST", link, body: "action=pause")
        let pausedState = try harness.store.subscriber(ada.email)?.status
        let resumed = try await endpoint.request("POST", link, body: "action=resume")
        let resumedState = try harness.store.subscriber(ada.email)?.status
        let gone = try await endpoint.request("POST", link, body: "action=unsubscribe")
        try await endpoint.stop()

        #expect(page.status == 200)
        for id in ["query", "authors", "minUpvotes", "cadence", "weekday", "time", "timeZone", "format", "maxPapers"] {
            #expect(page.body.contains("<label for=\"\(id)\">"), "no label for \(id)")
        }
        #expect(!page.body.contains("id=\"email\""), "the address is not changeable here")
        #expect(page.body.contains("What your digest would hold now"))
        #expect(page.body.contains("value=\"pause\""))
        #expect(bad.status == 422)
        #expect(bad.body.contains("id=\"query-error\""), "\(bad.body)")
        #expect(bad.body.contains("column"), "the query error names its column")
        #expect(bad.body.contains("id=\"maxPapers-error\""))
        #expect(unchanged?.preferences == ada.preferences, "an invalid form saved something")
        #expect(saved.status == 200)
        #expect(saved.body.contains("Saved. Changed: "), "\(saved.body)")
        #expect(saved.body.contains("query"))
        let now = try #require(afterPreview)
        #expect(now.preferences.query?.text == "diffusion")
        #expect(now.preferences.authors == ["Ada Lovelace"])
        #expect(now.preferences.minUpvotes == 5)
        #expect(now.preferences.schedule?.description == "weekly fri 07:30 Europe/Berlin")
        #expect(now.preferences.format == .text)
        #expect(now.preferences.maxPapers == 4)
        #expect(preview.status == 200)
        #expect(preview.body.contains("Preview of these settings"))
        #expect(preview.body.contains("value=\"zzzznothing\""), "the preview keeps the posted values")
        #expect(paused.body.contains("Paused"))
        #expect(pausedState == .paused)
        #expect(resumed.body.contains("Resumed"))
        #expect(resumedState == .active)
        #expect(gone.body.contains("<h1>Unsubscribed</h1>"))
        #expect(try harness.store.subscriber(ada.email)?.status == .unsubscribed)
        #expect(try Self.sql(harness, "SELECT state FROM outbox WHERE subscriber_id = \(ada.id)") == "cancelled", "the queued digest is cancelled")
    }

    @Test func feedbackGetChangesNothingThePostRecordsAndUndoTakesItBack() async throws {
        let (harness, endpoint, ada, _, papers) = try await Self.withDigest()
        let paper = try #require(papers.first)
        let links = harness.daemon.runtime.runtime.composer.links
        let notForMe = Self.path(links.feedback(ada, paperID: paper, .notForMe))
        let page = try await endpoint.request("GET", notForMe)
        let afterGet = try harness.store.subscriber(ada.email)?.preferences.dislikes
        let recorded = try await endpoint.request("POST", notForMe, body: "")
        let afterPost = try harness.store.subscriber(ada.email)?.preferences.dislikes
        let pageAgain = try await endpoint.request("GET", notForMe)
        let undone = try await endpoint.request("POST", notForMe, body: "undo=1")
        let afterUndo = try harness.store.subscriber(ada.email)?.preferences.dislikes
        let like = try await endpoint.request("POST", Self.path(links.feedback(ada, paperID: paper, .moreLikeThis)), body: "")
        let forged = try await endpoint.request("POST", Self.path(links.feedback(ada, paperID: paper, .notForMe)).replacingOccurrences(of: "a=not-for-me", with: "a=more-like-this"), body: "")
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()

        #expect(page.status == 200)
        #expect(page.body.contains("data-autosubmit=\"on\""))
        #expect(page.body.contains("<button type=\"submit\">Not for me</button>"))
        #expect(afterGet == [], "a GET recorded feedback")
        #expect(recorded.status == 200)
        #expect(recorded.body.contains("will not come back"))
        #expect(recorded.body.contains("name=\"undo\" value=\"1\""))
        #expect(!recorded.body.contains("data-autosubmit"), "the answer must not post again by itself")
        #expect(afterPost == [paper])
        #expect(!pageAgain.body.contains("data-autosubmit"), "a recorded choice is not sent again")
        #expect(undone.body.contains("Taken back: this paper is no longer marked"), "\(undone.body)")
        #expect(!undone.body.contains("counts as before"), "undo does not bring back a like that Not for me replaced")
        #expect(afterUndo == [])
        #expect(like.status == 200)
        #expect(try harness.store.subscriber(ada.email)?.preferences.likes == [paper])
        #expect(forged.status == 400, "a token is bound to its action")
        #expect(metrics.body.contains("paperboy_feedback_given_total{kind=\"not-for-me\"} 1"))
        #expect(metrics.body.contains("paperboy_feedback_undone_total{kind=\"not-for-me\"} 1"))
        #expect(metrics.body.contains("paperboy_feedback_given_total{kind=\"more-like-this\"} 1"))
    }

    @Test func viewInBrowserShowsTheDigestUnderItsOwnPolicyAndGoneAfterRetention() async throws {
        let (harness, endpoint, ada, period, _) = try await Self.withDigest()
        let links = harness.daemon.runtime.runtime.composer.links
        let view = try await endpoint.requestWithHeaders("GET", Self.path(links.view(ada, periodKey: period)))
        let otherPeriod = try await endpoint.request("GET", Self.path(links.view(ada, periodKey: period)).replacingOccurrences(of: "k=", with: "k=x"))
        _ = try Self.sql(harness, "DELETE FROM outbox_body WHERE outbox_id IN (SELECT id FROM outbox WHERE subscriber_id = \(ada.id))")
        let gone = try await endpoint.requestWithHeaders("GET", Self.path(links.view(ada, periodKey: period)))
        try await endpoint.stop()
        #expect(view.status == 200)
        #expect(view.headers["content-security-policy"] == PublicPage.digestPolicy)
        #expect(view.headers["content-security-policy"]?.contains("sandbox") == true)
        #expect(view.headers["cache-control"] == "no-store")
        #expect(view.headers["referrer-policy"] == "no-referrer")
        #expect(view.body.contains("<html"), "\(view.body.prefix(300))")
        #expect(otherPeriod.status == 400)
        #expect(gone.status == 410)
        #expect(gone.headers["content-security-policy"] == ReaderPagesTests.policy)
        #expect(gone.body.contains(links.preferences(ada).replacingOccurrences(of: "&", with: "&amp;")))
    }

    @Test func theReaderPagesValidateWithTidy() async throws {
        let (harness, endpoint, ada, period, papers) = try await Self.withDigest()
        let links = harness.daemon.runtime.runtime.composer.links
        var pages: [(String, String)] = []
        pages.append(("preferences", try await endpoint.request("GET", Self.path(links.preferences(ada))).body))
        pages.append(("preferences with errors", try await endpoint.request("POST", Self.path(links.preferences(ada)), body: "query=%28&maxPapers=0&action=save").body))
        pages.append(("preferences saved", try await endpoint.request("POST", Self.path(links.preferences(ada)), body: "query=x&time=09%3A00&action=save").body))
        let feedback = Self.path(links.feedback(ada, paperID: try #require(papers.first), .moreLikeThis))
        pages.append(("feedback", try await endpoint.request("GET", feedback).body))
        pages.append(("feedback recorded", try await endpoint.request("POST", feedback, body: "").body))
        pages.append(("subscribe preview", try await endpoint.request("POST", "/subscribe", body: Self.form("x@example.org", action: "preview")).body))
        _ = try await endpoint.request("POST", "/subscribe", body: Self.form("new@example.org"))
        let pending = try #require(try harness.store.subscriber(try EmailAddress(parsing: "new@example.org")))
        let confirm = Self.path(try #require(links.confirm(pending)))
        pages.append(("confirm", try await endpoint.request("GET", confirm).body))
        pages.append(("confirmed", try await endpoint.request("POST", confirm, body: "").body))
        _ = try Self.sql(harness, "DELETE FROM outbox_body WHERE outbox_id IN (SELECT id FROM outbox WHERE subscriber_id = \(ada.id))")
        pages.append(("gone", try await endpoint.request("GET", Self.path(links.view(ada, periodKey: period))).body))
        try await endpoint.stop()
        for (name, html) in pages {
            let problems = try ReaderPagesTests.tidy(html)
            #expect(problems.status == 0, "\(name): tidy found problems:\n\(problems.output)")
            #expect(html.components(separatedBy: "<h1").count == 2, "\(name): not exactly one h1")
        }
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
        let result = try runTool("/usr/bin/sqlite3", [database, "SELECT * FROM subscriber ORDER BY id; SELECT * FROM outbox ORDER BY id; SELECT * FROM outbox_body ORDER BY 1; SELECT * FROM sent_paper ORDER BY 1, 2;"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }
}
