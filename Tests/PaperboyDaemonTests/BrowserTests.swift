import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's side driven from headless Chromium through Selenium
/// (`BrowserSession`, Helpers/browser.py) against `paperboy run` on
/// 127.0.0.1 with smtp-sink for its mail (`ReaderSite`): every page a reader
/// meets is checked for accessibility and valid HTML and photographed at
/// 375 and 1280 px (`PageChecks`; docs/reader-pages.md shows the pictures).
///
/// Skipped only where Chromium is not installed and CI is not set; under
/// CI=true a missing browser fails.
@Suite(.serialized, .enabled(if: BrowserSession.shouldRun, "Chromium, chromedriver or python3-selenium is missing (\(BrowserSession.missing ?? "")): install scripts/debian-packages.txt; CI=true fails instead of skipping"))
struct BrowserTests {
    static let nothingChanged = "nothing was changed"

    @Test func theBrowserTheDaemonAndSmtpSinkAreGoneAfterAFailingStep() throws {
        var group: Int32 = 0
        var ports: [Int] = []
        do {
            // No defer, no stop(): only what a failing test leaves behind.
            let site = try ReaderSite()
            ports = [site.httpPort, site.sink.port]
            let browser = try BrowserSession()
            group = browser.processGroup
            #expect(BrowserSession.livingProcesses(inGroup: group).count >= 3, "chromedriver and Chromium are not running in the session's group")
            #expect(ports.allSatisfy(LoopbackPort.accepts), "the daemon or smtp-sink is not listening")
            try browser.open(site.url(ReaderLinks.Path.unsubscribe.rawValue))
            // A step that fails: the error leaves the scope, and with it the session and the site.
            _ = try browser.click("#no-such-element")
            Issue.record("clicking a missing element did not throw")
        } catch let failure as BrowserSession.Failure {
            #expect(failure.description.contains("#no-such-element"), "\(failure)")
        }
        #expect(group > 0)
        #expect(BrowserSession.livingProcesses(inGroup: group) == [], "chromedriver or Chromium outlived its session (process group \(group))")
        #expect(ports.count == 2 && !ports.contains(where: LoopbackPort.accepts), "the daemon or smtp-sink still listens on \(ports)")
    }

    @Test func theChecksCatchMissingLabelsTwoHeadingsNoLangBrokenHTMLAnotherOriginABlockedScriptAndNoPolicy() throws {
        let browser = try BrowserSession(javascript: true)
        defer { browser.stop() }
        let bad = "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><title>Bad</title></head>"
            + "<body><h1>One</h1><h1>Two</h1><form><input name=\"q\"><select id=\"s\"></select><input type=\"hidden\" name=\"h\">"
            + "<label for=\"ok\">Fine</label><input id=\"ok\"></form><foo>unknown</foo><script>document.title = 'ran'</script>"
            + "<img alt=\"\" src=\"http://127.0.0.2:9/elsewhere.png\"></body></html>"
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("bad.html")
        try bad.write(to: file, atomically: true, encoding: .utf8)
        let page = try browser.open(file.absoluteString)
        let audit = try browser.audit()
        #expect(audit.contains("<html> has no lang attribute"), "\(audit)")
        #expect(audit.contains("2 h1 elements (want exactly one)"), "\(audit)")
        #expect(audit.contains { $0.hasPrefix("input[name=q]") }, "\(audit)")
        #expect(audit.contains { $0.hasPrefix("select#s") }, "\(audit)")
        #expect(audit.count == 4, "only the four problems: \(audit)")
        #expect(try PageChecks.tidyErrors(bad).status == 2, "tidy found no error in broken HTML")
        let good = "<!DOCTYPE html><html lang=\"en\"><head><title>Good</title></head><body><h1>One</h1></body></html>"
        #expect(try PageChecks.tidyErrors(good).status == 0)

        let problems = try PageChecks.problems(page, in: browser, status: 299).joined(separator: "\n")
        for expected in ["want 299", "loads from another origin: [\"http://127.0.0.2:9/elsewhere.png\"]", "Content Security Policy",
                         "no Content-Security-Policy", "fails the accessibility check", "tidy -errors found errors"] {
            #expect(problems.contains(expected), "the checks missed \(expected): \(problems)")
        }
    }

    @Test func aReaderUnsubscribesFromTheLinkInTheirDigest() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession()
        defer { browser.stop() }
        let email = "ada@example.org"
        let add = try site.paperboy(["subscriber", "add", email])
        #expect(add.status == 0, "\(add.stderr)")
        let send = try site.paperboy(["send-digest", "--at", TestTime.digestAtText])
        #expect(send.status == 0, "\(send.stderr)")
        let digest = try #require(try site.mail(to: email).first, "no digest arrived; daemon log: \(site.log)")
        let link = try #require(digest.link(.unsubscribe), "no unsubscribe link in the digest: \(digest.links)")

        let page = try browser.open(link)
        try checks.check("unsubscribe", page, in: browser)
        #expect(try site.subscriber(email)?.unsubscribedAt == nil, "opening the link unsubscribed")
        let done = try browser.click("form button[type=submit]")
        try checks.check("unsubscribed", done, in: browser)
        #expect(done.text.contains("You are unsubscribed"), "\(done.text)")
        #expect(try site.subscriber(email)?.unsubscribedAt != nil, "the button did not unsubscribe")

        let forged = try browser.open(site.url(ReaderLinks.Path.unsubscribe.rawValue + "?t=not-a-token"))
        try checks.check("link-not-valid", forged, in: browser, status: 400)
        #expect(forged.text.contains(Self.nothingChanged), "\(forged.text)")
    }

    // MARK: Subscribe and confirm

    @Test func subscribingWithJavaScriptPrefillsTheTimeZoneAndTheMailedLinkConfirms() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession(javascript: true, timeZone: "Asia/Tokyo")
        defer { browser.stop() }
        let email = "kenji@example.org"

        var page = try browser.open(site.url(ReaderLinks.Path.subscribe.rawValue))
        try checks.check("subscribe", page, in: browser)
        #expect(try browser.value("#timeZone") == "Asia/Tokyo", "the script did not prefill the browser's time zone")
        try browser.fill(["email": email, "query": "transfer", "category-cs.CL": true, "cadence": "daily", "time": "07:30",
                          "format": "both", "maxPapers": "3"])
        page = try browser.click("button[value=preview]")
        #expect(page.status == 200)
        let preview = try browser.text("#preview")
        #expect(preview.split(separator: "\n").count > 1, "the preview lists no paper: \(preview.prefix(400))")
        #expect(try browser.value("#email") == email, "the preview lost the form's values")
        #expect(try site.subscriber(email) == nil, "a preview stored the reader")

        page = try browser.click("button[value=subscribe]")
        try checks.check("check-your-inbox", page, in: browser)
        let pending = try #require(try site.subscriber(email), "no pending subscriber after subscribing")
        #expect(pending.status == .pending)
        #expect(pending.origin == .web)

        let mail = try #require(try site.mail(to: email).first, "no confirmation mail; daemon log: \(site.log)")
        let confirm = try #require(mail.link(.confirm), "no confirm link in \(mail.links)")
        page = try browser.open(confirm)
        try checks.check("confirm", page, in: browser)
        #expect(try site.subscriber(email)?.status == .pending, "opening the confirm link (a GET) confirmed")
        page = try browser.click("form button[type=submit]")
        try checks.check("confirmed", page, in: browser)
        #expect(page.text.contains("07:30"), "the page does not say when the first digest comes: \(page.text.prefix(400))")
        let confirmed = try #require(try site.subscriber(email))
        #expect(confirmed.status == .active)
        #expect(confirmed.confirmedAt != nil)
        #expect(confirmed.preferences.query?.description == "transfer", "\(String(describing: confirmed.preferences.query))")
        #expect(confirmed.preferences.schedule?.description.contains("Asia/Tokyo") == true, "\(String(describing: confirmed.preferences.schedule))")
    }

    @Test func subscribingWithoutJavaScriptLeavesTheTimeZoneToTheReaderAndStillConfirms() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession(javascript: false, timeZone: "Asia/Tokyo")
        defer { browser.stop() }
        let email = "grace@example.org"

        var page = try browser.open(site.url(ReaderLinks.Path.subscribe.rawValue))
        try checks.check("subscribe-without-javascript", page, in: browser)
        #expect(try browser.value("#timeZone") != "Asia/Tokyo", "without JavaScript the page cannot know the browser's zone")
        try browser.fill(["email": email, "cadence": "weekly", "weekday": "fri", "time": "18:00", "timeZone": "Europe/Berlin"])
        page = try browser.click("button[value=subscribe]")
        #expect(page.status == 200)
        #expect(page.text.localizedCaseInsensitiveContains("inbox"), "\(page.text)")
        let pending = try #require(try site.subscriber(email))
        #expect(pending.status == .pending)

        let mail = try #require(try site.mail(to: email).first, "no confirmation mail; daemon log: \(site.log)")
        page = try browser.open(try #require(mail.link(.confirm), "no confirm link in \(mail.links)"))
        #expect(page.status == 200)
        page = try browser.click("form button[type=submit]")
        #expect(page.status == 200)
        let confirmed = try #require(try site.subscriber(email))
        #expect(confirmed.status == .active)
        #expect(confirmed.preferences.schedule?.description.contains("Europe/Berlin") == true, "\(String(describing: confirmed.preferences.schedule))")
    }

    // MARK: The preference centre

    @Test func changingTheQueryInThePreferenceCentreChangesThePreviewAndSaves() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession()
        defer { browser.stop() }
        let email = "ada@example.org"
        let digest = try site.sendDigest(to: email, query: "transfer")
        let link = try #require(digest.link(.preferences), "no preference centre link in the digest: \(digest.links)")

        var page = try browser.open(link)
        try checks.check("preferences", page, in: browser)
        #expect(try browser.value("#query") == "transfer")
        let before = try browser.text("#preview")
        try browser.fill(["query": "continual"])
        page = try browser.click("button[value=preview]")
        #expect(page.status == 200)
        let after = try browser.text("#preview")
        #expect(after != before, "the preview did not change with the query")
        #expect(after.localizedCaseInsensitiveContains("continual"), "the new preview shows no paper on continual learning: \(after.prefix(400))")
        #expect(try site.subscriber(email)?.preferences.query?.description == "transfer", "a preview saved the query")

        page = try browser.click("button[value=save]")
        try checks.check("preferences-saved", page, in: browser)
        #expect(try site.subscriber(email)?.preferences.query?.description == "continual")
        #expect(try browser.value("#query") == "continual")
    }

    // MARK: Feedback

    @Test func notForMeOnAPaperOfASentDigestRanksSimilarPapersLowerInExplain() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let email = "alan@example.org"
        let digest = try site.sendDigest(to: email, query: nil)
        let before = try site.explain(email)
        let notForMe = try #require(digest.link(.feedback, containing: "a=" + ReaderLinks.Feedback.notForMe.rawValue), "no Not for me link: \(digest.links)")
        let paperID = try #require(ReaderSite.paperID(in: notForMe))

        // Without JavaScript: a page with one button; opening it records nothing.
        let plain = try BrowserSession(javascript: false)
        defer { plain.stop() }
        var page = try plain.open(notForMe)
        try checks.check("feedback", page, in: plain)
        #expect(try site.subscriber(email)?.preferences.dislikes == [], "opening the Not for me link (a GET) recorded it")
        page = try plain.click("form button[type=submit]")
        try checks.check("feedback-recorded", page, in: plain)
        #expect(try site.subscriber(email)?.preferences.dislikes == [paperID])

        let after = try site.explain(email)
        #expect(after.dislikes == [paperID])
        #expect(after.selected.allSatisfy { $0.id != paperID }, "the disliked paper is still selected")
        let lowered = after.entries.filter { entry in
            guard entry.id != paperID, let effect = entry.dislikesEffect, effect < 0, let score = entry.score,
                  let old = before.entries.first(where: { $0.id == entry.id })?.score else { return false }
            return score < old
        }
        #expect(!lowered.isEmpty, "no paper similar to the disliked one ranks lower in explain")

        // With JavaScript the page records at once; "More like this" on another paper is a like.
        let scripted = try BrowserSession(javascript: true)
        defer { scripted.stop() }
        let more = try #require(digest.links.first { $0.contains("a=" + ReaderLinks.Feedback.moreLikeThis.rawValue) && ReaderSite.paperID(in: $0) != paperID })
        let likedID = try #require(ReaderSite.paperID(in: more))
        try scripted.open(more)
        let recorded = try scripted.wait(for: "input[name=undo]")
        #expect(recorded.status == 200)
        #expect(try site.subscriber(email)?.preferences.likes.contains(likedID) == true, "the script did not record More like this")
        // Undo is one more button press (and the page that answers does not submit itself again).
        let undone = try scripted.click("form button[type=submit]")
        #expect(undone.status == 200)
        #expect(try scripted.text("input[name=undo]").isEmpty && !undone.html.contains("name=\"undo\""), "the undone page offers undo again")
        #expect(try site.subscriber(email)?.preferences.likes.contains(likedID) == false, "undo did not remove the like")
    }

    // MARK: View in browser

    @Test func viewInBrowserShowsTheDigestAsSentAndAfterRetentionAGonePage() throws {
        let site = try ReaderSite()
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession()
        defer { browser.stop() }
        let email = "ada@example.org"
        let digest = try site.sendDigest(to: email, query: "transfer")
        let view = try #require(digest.link(.view), "no View in browser link: \(digest.links)")

        var page = try browser.open(view)
        try checks.check("view-in-browser", page, in: browser)
        #expect(ReaderSite.sameText(page.html, digest.html), "the page is not the digest's HTML as sent: \(page.html.prefix(300))")

        let prune = try site.paperboy(["db", "prune", "--at", "2027-01-15T00:00:00Z"])
        #expect(prune.status == 0, "\(prune.stderr)")
        page = try browser.open(view)
        try checks.check("410", page, in: browser, status: 410)
        #expect(page.link("preferences") != nil || page.links.contains { URL(string: $0.href)?.path == ReaderLinks.Path.preferences.rawValue },
                "the 410 page does not link to the preference centre: \(page.links)")
    }

    // MARK: Limits

    @Test func aClientOverTheRateLimitGetsThe429PageWithRetryAfter() throws {
        let site = try ReaderSite(web: "web: {subscribe: open, rate_limits: {per_client: 2/1h}}")
        defer { site.stop() }
        let checks = try PageChecks()
        let browser = try BrowserSession(javascript: false)
        defer { browser.stop() }
        try browser.open(site.url(ReaderLinks.Path.subscribe.rawValue))
        // (The preview asks for the address too.)
        for _ in 0..<2 {
            try browser.fill(["email": "ada@example.org", "query": "transfer"])
            let page = try browser.click("button[value=preview]")
            #expect(page.status == 200, "\(page.status.map(String.init) ?? "no status"): \(page.text.prefix(300))")
        }
        try browser.fill(["email": "ada@example.org", "query": "transfer"])
        let page = try browser.click("button[value=preview]")
        try checks.check("429", page, in: browser, status: 429)
        let retry = try #require(page.headers["retry-after"], "no Retry-After: \(page.headers)")
        #expect((Int(retry) ?? 0) > 0, "Retry-After: \(retry)")
    }
}
