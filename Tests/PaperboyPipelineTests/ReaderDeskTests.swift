import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's rules (`ReaderDesk`) on an in-memory store with the demo
/// corpus: subscribe with double opt-in and its mail limits, confirm,
/// expiry, the preference centre, feedback, view in browser, preview.
@Suite struct ReaderDeskTests {
    static let at = TestTime.now
    static let minute: Double = 60

    struct Fixture {
        let store: Store
        let desk: ReaderDesk
        var config: PaperboyConfig { desk.config }
    }

    func fixture(engine: StoreEngine, _ change: (inout PaperboyConfig) -> Void = { _ in }) throws -> Fixture {
        var config = DemoCorpus.mailConfig()
        config.web.categories = ["cs.LG", "cs.CV", "cs.AI"]
        change(&config)
        let composer = try MailSetup.composer(config: config, configPath: "(test)", environment: DemoCorpus.demoEnvironment)
        // DemoCorpus.store(at:), on either engine.
        let store = try engine.makeStore()
        let seeded = Self.at.addingTimeInterval(-3600)
        try store.ingest(try DemoCorpus.papers(at: seeded), source: SourceState(name: DemoCorpus.sourceName), at: seeded)
        return Fixture(store: store, desk: ReaderDesk(store: store, config: config, composer: composer))
    }

    func address(_ text: String) throws -> EmailAddress { try EmailAddress(parsing: text) }

    func request(_ email: String, query: String? = nil) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try address(email), query: try query.map { try Query.parse($0) },
                              schedule: try Schedule.parse("daily 08:00 UTC"))
    }

    /// The reader mails waiting in the outbox, claimed (so they are not claimed twice).
    func claimMails(_ store: Store, at time: Date = Self.at) throws -> [OutboxMessage] {
        try store.claimDue(limit: 100, claimer: "test:1", at: time, leaseUntil: time.addingTimeInterval(600), isDead: { _ in false })
    }

    func text(_ message: OutboxMessage) -> String {
        SentMessage.parts(message.message).first { $0.type == "text/plain" }?.text ?? ""
    }

    func headers(_ message: OutboxMessage) -> String {
        let raw = String(decoding: message.message, as: UTF8.self)
        return String(raw[..<(raw.range(of: "\r\n\r\n")?.lowerBound ?? raw.endIndex)])
    }

    func subscriber(_ store: Store, _ email: String) throws -> Subscriber {
        try #require(try store.subscriber(try address(email)))
    }

    /// The token of a URL the desk made (`t=`).
    func token(_ url: String) -> String {
        URLComponents(string: url)?.queryItems?.first { $0.name == ReaderLinks.Parameter.token }?.value ?? ""
    }

    // MARK: Subscribe (item 1, 2)

    @Test(arguments: StoreEngine.allCases) func aNewAddressBecomesPendingAndGetsAConfirmationMailAtOnce(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        #expect(try f.desk.requestSubscription(try request("new@example.org", query: "diffusion"), at: Self.at) == .confirmationQueued)
        let stored = try subscriber(f.store, "new@example.org")
        #expect(stored.status == .pending)
        #expect(stored.origin == .web)
        #expect(stored.pendingSince == Self.at)
        // What was asked for waits apart; the row gets it only when confirmed.
        #expect(stored.requested?.query?.text == "diffusion")
        #expect(stored.preferences.query == nil)
        let mails = try claimMails(f.store)
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail.recipient == "new@example.org")
        let confirmURL = try #require(f.desk.links.confirm(stored))
        #expect(text(mail).contains(confirmURL))
        #expect(text(mail).contains("ignore this email"))
        #expect(SentMessage.parts(mail.message).contains { $0.type == "text/html" && $0.text.contains(HTMLText.escape(confirmURL)) })
        // Not list mail: no one-click unsubscribe for a confirmation.
        #expect(!headers(mail).contains("List-Unsubscribe"))
        #expect(headers(mail).contains("Subject: Confirm your subscription"))
        #expect(headers(mail).contains("Message-ID: <confirm-"))
        // The planner does not send digests to a pending address.
        let planner = DigestPlanner(store: f.store, settings: f.config, composer: f.desk.composer)
        #expect(try planner.decide(at: TestTime.digestAt, all: false, only: nil).isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func aPendingAddressAsksAgainEachMailsLinkConfirmsOnlyItsOwnRequest(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        _ = try f.desk.requestSubscription(try request("again@example.org", query: "diffusion"), at: Self.at)
        let first = try subscriber(f.store, "again@example.org")
        let firstURL = try #require(f.desk.links.confirm(first))
        let later = Self.at.addingTimeInterval(11 * Self.minute)
        // Someone else (anyone may) asks for other settings for the same address.
        #expect(try f.desk.requestSubscription(try request("again@example.org", query: "adapter"), at: later) == .confirmationQueued)
        let second = try subscriber(f.store, "again@example.org")
        #expect(second.id == first.id)
        #expect(second.requested?.query?.text == "adapter")
        #expect(second.preferences.query == nil)
        #expect(second.pendingSince == first.pendingSince)
        let mails = try claimMails(f.store, at: later)
        #expect(mails.count == 2)
        let secondURL = try #require(f.desk.links.confirm(second))
        #expect(secondURL != firstURL)
        #expect(mails.filter { text($0).contains(firstURL) }.count == 1)
        #expect(mails.filter { text($0).contains(secondURL) }.count == 1)
        // The first mail's link no longer confirms anything: not the settings it did not ask for.
        #expect(try f.desk.pendingRequest(token: token(firstURL)) == nil)
        guard case .notValid = try f.desk.confirm(token: token(firstURL), at: later) else {
            Issue.record("the first mail's link confirmed the second request's settings")
            return
        }
        #expect(try subscriber(f.store, "again@example.org").status == .pending)
        // The page of the newest link shows what confirming applies; confirming applies exactly that.
        #expect(try f.desk.pendingRequest(token: token(secondURL))?.requested?.query?.text == "adapter")
        guard case .confirmed(let confirmed, _, _) = try f.desk.confirm(token: token(secondURL), at: later) else {
            Issue.record("the newest mail's link did not confirm")
            return
        }
        #expect(confirmed.preferences.query?.text == "adapter")
        #expect(confirmed.requested == nil)
    }

    @Test(arguments: StoreEngine.allCases) func theConfirmSubjectIsBoundToTheRequestsMomentAndSettings(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        _ = try f.desk.requestSubscription(try request("bound@example.org", query: "diffusion"), at: Self.at)
        let pending = try subscriber(f.store, "bound@example.org")
        let subject = try #require(ReaderLinks.confirmSubject(pending))
        #expect(subject.hasPrefix(String(Int64(Self.at.timeIntervalSince1970 * 1000)) + "."), "\(subject)")
        #expect(subject.split(separator: ".").last?.count == 8)
        var other = pending
        other.requested?.query = try Query.parse("adapter")
        #expect(ReaderLinks.confirmSubject(other) != subject)
        other = pending
        other.pendingSince = Self.at.addingTimeInterval(1)
        #expect(ReaderLinks.confirmSubject(other) != subject)
        other = pending
        other.requested = nil
        #expect(ReaderLinks.confirmSubject(other) == nil)
    }

    @Test(arguments: StoreEngine.allCases) func aConfirmationMailCarriesNoTextOfTheRequest(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        var asked = try request("victim@example.org", query: "\"cheap watches\" OR casino")
        asked.name = "Claim your prize"
        asked.authors = ["Wire Money Now"]
        #expect(try f.desk.requestSubscription(asked, at: Self.at) == .confirmationQueued)
        let mail = try #require(try claimMails(f.store).first)
        let raw = String(decoding: mail.message, as: UTF8.self)
        let parts = SentMessage.parts(mail.message).map(\.text).joined(separator: "\n")
        for planted in ["cheap watches", "casino", "Claim your prize", "prize", "Wire Money"] {
            #expect(!raw.contains(planted) && !parts.contains(planted), "the confirmation mail relays \(planted)")
        }
        #expect(text(mail).contains("ignore this email"))
        #expect(text(mail).contains("victim@example.org"))
        // The settings are on the confirm page's side, for the inbox's owner.
        let url = try #require(f.desk.links.confirm(try subscriber(f.store, "victim@example.org")))
        let shown = try #require(try f.desk.pendingRequest(token: token(url))?.requested)
        #expect(ReaderMailComposer.describe(shown, defaultSchedule: f.config.digest.schedule).contains("cheap watches"))
    }

    @Test(arguments: StoreEngine.allCases) func oneReaderMailPerTenMinutesAndThreeADay(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let email = "limits@example.org"
        #expect(try f.desk.requestSubscription(try request(email), at: Self.at) == .confirmationQueued)
        // Within 10 minutes: no mail, and nothing at all changes.
        let before = try subscriber(f.store, email)
        #expect(try f.desk.requestSubscription(try request(email, query: "adapter"), at: Self.at.addingTimeInterval(9 * Self.minute)) == .mailLimited)
        #expect(try subscriber(f.store, email) == before)
        #expect(try f.desk.pendingRequest(token: token(try #require(f.desk.links.confirm(before))))?.requested?.query == nil)
        #expect(try f.desk.requestSubscription(try request(email), at: Self.at.addingTimeInterval(11 * Self.minute)) == .confirmationQueued)
        #expect(try f.desk.requestSubscription(try request(email), at: Self.at.addingTimeInterval(22 * Self.minute)) == .confirmationQueued)
        // A fourth in the same day is not queued.
        #expect(try f.desk.requestSubscription(try request(email), at: Self.at.addingTimeInterval(4 * 3600)) == .mailLimited)
        let id = try subscriber(f.store, email).id
        #expect(try f.store.readerMailCount(subscriberID: id) == 3)
        // A day after the first, one more may go.
        #expect(try f.desk.requestSubscription(try request(email), at: Self.at.addingTimeInterval(86400 + Self.minute)) == .confirmationQueued)
        #expect(try f.store.readerMailCount(subscriberID: id) == 4)
    }

    @Test(arguments: StoreEngine.allCases) func anActiveOrPausedAddressGetsAManageMailAndNothingChanges(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let active = try f.store.addSubscriber(try request("active@example.org", query: "diffusion"), at: Self.at.addingTimeInterval(-86400))
        var pausedPreferences = try request("paused@example.org")
        pausedPreferences.paused = true
        let paused = try f.store.addSubscriber(pausedPreferences, at: Self.at.addingTimeInterval(-86400))
        #expect(try f.desk.requestSubscription(try request("active@example.org", query: "adapter"), at: Self.at) == .manageQueued)
        #expect(try f.desk.requestSubscription(try request("paused@example.org", query: "adapter"), at: Self.at) == .manageQueued)
        #expect(try subscriber(f.store, "active@example.org") == active)
        #expect(try subscriber(f.store, "paused@example.org") == paused)
        let mails = try claimMails(f.store)
        #expect(mails.count == 2)
        let mail = try #require(mails.first { $0.recipient == "active@example.org" })
        #expect(text(mail).contains(f.desk.links.preferences(active)))
        #expect(headers(mail).contains("Subject: You are already subscribed"))
        // Limited like a confirmation.
        #expect(try f.desk.requestSubscription(try request("active@example.org"), at: Self.at.addingTimeInterval(Self.minute)) == .mailLimited)
    }

    @Test(arguments: StoreEngine.allCases) func anUnsubscribedAddressStaysUnsubscribedUntilItConfirms(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let added = try f.store.addSubscriber(try request("left@example.org", query: "diffusion"), at: Self.at.addingTimeInterval(-30 * 86400))
        #expect(try f.store.unsubscribe(id: added.id, at: Self.at.addingTimeInterval(-86400)))
        #expect(try f.desk.requestSubscription(try request("left@example.org", query: "adapter"), at: Self.at) == .confirmationQueued)
        let requested = try subscriber(f.store, "left@example.org")
        #expect(requested.status == .unsubscribed)
        #expect(requested.pendingSince == Self.at)
        #expect(requested.origin == .operator)
        // Their own settings are untouched until they confirm; the request waits apart.
        #expect(requested.preferences.query?.text == "diffusion")
        #expect(requested.requested?.query?.text == "adapter")
        // The confirmation mail goes out to them (claimDue cancels only digests).
        let mails = try claimMails(f.store)
        #expect(mails.map(\.recipient) == ["left@example.org"])
        let planner = DigestPlanner(store: f.store, settings: f.config, composer: f.desk.composer)
        #expect(try planner.decide(at: TestTime.digestAt, all: false, only: nil).isEmpty)
        // Their own confirmation subscribes them again, with what they asked for.
        let url = try #require(f.desk.links.confirm(requested))
        let later = Self.at.addingTimeInterval(3600)
        guard case .confirmed(let confirmed, _, _) = try f.desk.confirm(token: token(url), at: later) else {
            Issue.record("not confirmed")
            return
        }
        #expect(confirmed.status == .active)
        #expect(confirmed.unsubscribedAt == nil)
        #expect(confirmed.origin == .web)
        #expect(confirmed.confirmedAt == later)
        #expect(confirmed.preferences.query?.text == "adapter")
    }

    @Test(arguments: StoreEngine.allCases) func anAddressDifferingOnlyInCaseIsTheStoredSubscriber(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let stored = try f.store.addSubscriber(try request("Ada@example.org"), at: Self.at.addingTimeInterval(-86400))
        #expect(try f.desk.requestSubscription(try request("ada@example.org"), at: Self.at) == .manageQueued)
        #expect(try f.store.subscribers().count == 1)
        #expect(try claimMails(f.store).map(\.recipient) == [stored.email.description])
        // A pending one likewise: no second row for the same mailbox.
        _ = try f.desk.requestSubscription(try request("Bob@example.org"), at: Self.at)
        _ = try f.desk.requestSubscription(try request("bob@example.org", query: "adapter"), at: Self.at.addingTimeInterval(20 * Self.minute))
        #expect(try f.store.subscribers().count == 2)
        #expect(try subscriber(f.store, "Bob@example.org").requested?.query?.text == "adapter")
    }

    // MARK: Confirm and expiry (item 2)

    @Test(arguments: StoreEngine.allCases) func confirmingMakesTheReaderActiveAndTheLinkStopsWorking(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        _ = try f.desk.requestSubscription(try request("confirm@example.org", query: "adapter"), at: Self.at)
        let pending = try subscriber(f.store, "confirm@example.org")
        let link = token(try #require(f.desk.links.confirm(pending)))
        #expect(try f.desk.pendingRequest(token: link)?.id == pending.id)
        // Another purpose's token for the same reader confirms nothing.
        #expect(try f.desk.pendingRequest(token: token(f.desk.links.preferences(pending))) == nil)
        let time = Self.at.addingTimeInterval(3600)
        guard case .confirmed(let confirmed, let firstDigest, let firstDue) = try f.desk.confirm(token: link, at: time) else {
            Issue.record("not confirmed")
            return
        }
        #expect(confirmed.status == .active)
        #expect(confirmed.pendingSince == nil)
        #expect(confirmed.confirmedAt == time)
        #expect(firstDue == instant("2026-11-30T08:00Z"))
        #expect(!firstDigest.papers.isEmpty)
        #expect(firstDigest.papers.allSatisfy { $0.matchedTerms.contains("adapter") })
        // Used once: the same link confirms nothing and shows nothing.
        #expect(try f.desk.pendingRequest(token: link) == nil)
        guard case .notValid = try f.desk.confirm(token: link, at: time) else {
            Issue.record("a used confirmation link confirmed again")
            return
        }
        #expect(try f.desk.pendingRequest(token: "garbage") == nil)
    }

    @Test(arguments: StoreEngine.allCases) func theFirstDigestOfAConfirmedReaderIsAtTheirFirstScheduledTimeAfterConfirming(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        // A returning reader: their row is a month old, their consent is from now (12:00 UTC).
        let old = try f.store.addSubscriber(try request("returning@example.org"), at: Self.at.addingTimeInterval(-30 * 86400))
        try f.store.unsubscribe(id: old.id, at: Self.at.addingTimeInterval(-86400))
        _ = try f.desk.requestSubscription(try request("returning@example.org"), at: Self.at)
        let url = try #require(f.desk.links.confirm(try subscriber(f.store, "returning@example.org")))
        guard case .confirmed(_, _, let firstDue) = try f.desk.confirm(token: token(url), at: Self.at) else {
            Issue.record("not confirmed")
            return
        }
        let planner = DigestPlanner(store: f.store, settings: f.config, composer: f.desk.composer)
        // Today's 08:00 period began before they confirmed: nothing now.
        let now = try planner.decide(at: Self.at.addingTimeInterval(Self.minute), all: false, only: nil)
        guard case .notYetDue(let due) = try #require(now.first).outcome else {
            Issue.record("a digest was due before the first scheduled time after confirming")
            return
        }
        #expect(due == firstDue)
        #expect(due == instant("2026-11-30T08:00Z"))
        let then = try planner.decide(at: TestTime.digestAt, all: false, only: nil)
        guard case .digest = try #require(then.first).outcome else {
            Issue.record("no digest at the first scheduled time")
            return
        }
    }

    @Test(arguments: StoreEngine.allCases) func unconfirmedRequestsExpireAfterPendingDays(engine: StoreEngine) throws {
        let f = try fixture(engine: engine) { $0.web.pendingDays = 7 }
        _ = try f.desk.requestSubscription(try request("stranger@example.org"), at: Self.at)
        let pending = try subscriber(f.store, "stranger@example.org")
        let link = token(try #require(f.desk.links.confirm(pending)))
        let left = try f.store.addSubscriber(try request("left@example.org"), at: Self.at.addingTimeInterval(-30 * 86400))
        try f.store.unsubscribe(id: left.id, at: Self.at.addingTimeInterval(-86400))
        _ = try f.desk.requestSubscription(try request("left@example.org", query: "adapter"), at: Self.at)
        let leftLink = token(try #require(f.desk.links.confirm(try subscriber(f.store, "left@example.org"))))

        // Not yet: 7 days less a minute.
        #expect(try f.desk.expirePending(at: Self.at.addingTimeInterval(7 * 86400 - Self.minute)) == 0)
        // Past the deadline the link is dead even before the sweep.
        let late = Self.at.addingTimeInterval(7 * 86400 + Self.minute)
        #expect(try f.desk.pendingRequest(token: link, at: Self.at.addingTimeInterval(7 * 86400 - Self.minute))?.id == pending.id)
        #expect(try f.desk.pendingRequest(token: link, at: late) == nil)
        guard case .notValid = try f.desk.confirm(token: link, at: late) else {
            Issue.record("an expired request was confirmed")
            return
        }
        #expect(try f.desk.expirePending(at: late) == 2)
        #expect(try f.store.subscriber(try address("stranger@example.org")) == nil)
        let stays = try subscriber(f.store, "left@example.org")
        #expect(stays.status == .unsubscribed)
        #expect(stays.pendingSince == nil)
        // The request is gone entirely; the settings are the ones they left with.
        #expect(stays.requested == nil)
        #expect(stays.preferences == left.preferences)
        #expect(try f.desk.pendingRequest(token: leftLink) == nil)
        guard case .notValid = try f.desk.confirm(token: leftLink, at: late) else {
            Issue.record("an expired request of an unsubscribed address was confirmed")
            return
        }
        #expect(try f.desk.expirePending(at: late) == 0)
    }

    @Test(arguments: StoreEngine.allCases) func askingAgainAfterTheDeadlineBeforeTheSweepStartsANewRequestWhoseLinkWorks(engine: StoreEngine) throws {
        let f = try fixture(engine: engine) { $0.web.pendingDays = 7 }
        _ = try f.desk.requestSubscription(try request("slow@example.org"), at: Self.at)
        let oldLink = token(try #require(f.desk.links.confirm(try subscriber(f.store, "slow@example.org"))))
        let late = Self.at.addingTimeInterval(8 * 86400)
        #expect(try f.desk.requestSubscription(try request("slow@example.org", query: "adapter"), at: late) == .confirmationQueued)
        let renewed = try subscriber(f.store, "slow@example.org")
        #expect(renewed.pendingSince == late)
        #expect(try f.desk.pendingRequest(token: oldLink) == nil)
        let newLink = token(try #require(f.desk.links.confirm(renewed)))
        guard case .confirmed(let confirmed, _, _) = try f.desk.confirm(token: newLink, at: late) else {
            Issue.record("the newest mail's link did not confirm")
            return
        }
        #expect(confirmed.preferences.query?.text == "adapter")
    }

    @Test(arguments: StoreEngine.allCases) func aHardBounceOfAReaderMailPausesNobody(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let active = try f.store.addSubscriber(try request("bounce@example.org"), at: Self.at.addingTimeInterval(-86400))
        _ = try f.desk.requestSubscription(try request("bounce@example.org"), at: Self.at)
        let mail = try #require(try claimMails(f.store).first)
        _ = try f.store.record(.failed(reply: "550 no such user", pauseAfter: 1, pauseReason: "bounced"), for: mail, at: Self.at)
        #expect(try subscriber(f.store, "bounce@example.org").status == .active)
        #expect(try subscriber(f.store, "bounce@example.org") == active)
    }

    @Test(arguments: StoreEngine.allCases) func anAcceptedReaderMailDoesNotEndABouncingRunButConfirmingDoes(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let bouncing = try f.store.addSubscriber(try request("bouncing@example.org"), at: Self.at.addingTimeInterval(-3 * 86400))
        let returning = try f.store.addSubscriber(try request("returning@example.org"), at: Self.at.addingTimeInterval(-3 * 86400))
        // Two digests each refused for good (the pause comes at 5).
        for (day, who) in [(1, bouncing), (2, bouncing), (1, returning), (2, returning)] {
            _ = try f.store.plan([PlannedDigest(subscriberID: who.id, periodKey: "p\(day)", recipient: who.email.description, sender: "d@example.org",
                                                subject: "Digest", messageID: "<\(day).\(who.id)@example.org>", message: Array("x".utf8), paperIDs: [])],
                                 at: Self.at.addingTimeInterval(-2 * 86400))
        }
        for mail in try claimMails(f.store, at: Self.at.addingTimeInterval(-86400)) {
            #expect(mail.kind == .digest)
            _ = try f.store.record(.failed(reply: "550 no such user", pauseAfter: 5, pauseReason: "bounced"), for: mail, at: Self.at.addingTimeInterval(-86400))
        }
        #expect(try f.store.hardFailures(subscriberID: bouncing.id) == 2)
        #expect(try f.store.hardFailures(subscriberID: returning.id) == 2)
        // A stranger's request makes a manage mail, which a relay accepts: the run goes on.
        #expect(try f.desk.requestSubscription(try request("bouncing@example.org"), at: Self.at) == .manageQueued)
        try f.store.unsubscribe(id: returning.id, at: Self.at)
        #expect(try f.desk.requestSubscription(try request("returning@example.org"), at: Self.at) == .confirmationQueued)
        let mails = try claimMails(f.store)
        #expect(Set(mails.map(\.kind)) == [.manage, .confirmation])
        for mail in mails { _ = try f.store.record(.sent(reply: "250 ok"), for: mail, at: Self.at) }
        #expect(try f.store.hardFailures(subscriberID: bouncing.id) == 2)
        #expect(try f.store.hardFailures(subscriberID: returning.id) == 2)
        // A returning reader who confirms starts afresh.
        let url = try #require(f.desk.links.confirm(try subscriber(f.store, "returning@example.org")))
        guard case .confirmed = try f.desk.confirm(token: token(url), at: Self.at) else {
            Issue.record("not confirmed")
            return
        }
        #expect(try f.store.hardFailures(subscriberID: returning.id) == 0)
    }

    // MARK: The form (item 1, 3)

    @Test(arguments: StoreEngine.allCases) func theFormMapsToPreferencesWithTheCLIRulesAndBack(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        var form = ReaderForm()
        form.email = " reader@example.org "
        form.query = "adapter -diffusion"
        form.categories = ["cs.LG", "cs.CV"]
        form.maxPapers = "5"
        form.cadence = "weekly"
        form.weekday = "thu"
        form.time = "07:30"
        form.timeZone = "Europe/Berlin"
        form.format = "text"
        let preferences = try form.preferences(config: f.config)
        #expect(preferences.email.description == "reader@example.org")
        #expect(preferences.query?.text == "adapter -diffusion")
        #expect(preferences.categories == ["cs.LG", "cs.CV"])
        #expect(preferences.maxPapers == 5)
        #expect(preferences.schedule?.description == "weekly thu 07:30 Europe/Berlin")
        #expect(preferences.format == .text)
        let back = ReaderForm(preferences, config: f.config)
        #expect(back.query == form.query && back.cadence == "weekly" && back.weekday == "thu" && back.time == "07:30")
        #expect(back.timeZone == "Europe/Berlin" && back.maxPapers == "5" && back.format == "text" && back.categories == form.categories)
        // Empty max papers is the operator's default; no schedule of their own shows the default.
        let defaults = ReaderForm(SubscriberPreferences(email: preferences.email), config: f.config)
        #expect(defaults.maxPapers == "" && defaults.cadence == "daily" && defaults.time == "08:00" && defaults.timeZone == "UTC")
    }

    @Test(arguments: StoreEngine.allCases) func formErrorsAreByFieldAndAQueryErrorKeepsItsColumn(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        var form = ReaderForm()
        form.email = "not an address"
        form.query = "adapter OR (diffusion"
        form.categories = ["math.NA"]
        form.maxPapers = "500"
        form.minUpvotes = "-1"
        form.cadence = "weekly"
        form.weekday = "someday"
        form.time = "25:00"
        form.timeZone = "Europe/Berlinn"
        form.format = "pdf"
        do throws(ReaderFormErrors) {
            _ = try form.preferences(config: f.config)
            Issue.record("an invalid form was accepted")
        } catch {
            #expect(Set(error.byField.keys) == ["email", "query", "categories", "maxPapers", "minUpvotes", "weekday", "time", "timeZone", "format"])
            let query = try #require(error.byField["query"])
            #expect(query.hasPrefix("column "), "\(query)")
            #expect(error.byField["timeZone"]?.contains("Europe/Berlin") == true)
            #expect(error.byField["categories"]?.contains("cs.LG") == true)
        }
        var empty = ReaderForm()
        empty.email = ""
        #expect(throws: ReaderFormErrors(byField: ["email": "enter your email address, such as ada@example.org"])) {
            try empty.preferences(config: f.config)
        }
    }

    // MARK: Preference centre (item 3)

    @Test(arguments: StoreEngine.allCases) func thePreferenceCentreSavesPausesResumesAndUnsubscribes(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        var preferences = try request("prefs@example.org", query: "diffusion")
        preferences.schedule = nil
        preferences.likes = ["2410.18533"]
        let added = try f.store.addSubscriber(preferences, at: Self.at.addingTimeInterval(-86400))
        let link = token(f.desk.links.preferences(added))
        #expect(try f.desk.subscriber(preferencesToken: link)?.id == added.id)
        #expect(try f.desk.subscriber(preferencesToken: token(f.desk.links.unsubscribe(added))) == nil)

        var form = ReaderForm(added.preferences, config: f.config)
        form.query = "adapter"
        form.email = "someone-else@example.org"   // ignored: the address changes only through the operator
        guard case .saved(let saved, let changed) = try f.desk.updatePreferences(token: link, .save(form), at: Self.at) else {
            Issue.record("not saved")
            return
        }
        #expect(changed == ["query"])
        #expect(saved.email == added.email)
        #expect(saved.preferences.schedule == nil)
        #expect(saved.preferences.likes == ["2410.18533"])

        form.query = "(adapter"
        guard case .invalid(let errors) = try f.desk.updatePreferences(token: link, .save(form), at: Self.at) else {
            Issue.record("an invalid query was saved")
            return
        }
        #expect(errors.byField["query"]?.hasPrefix("column ") == true)
        #expect(try subscriber(f.store, "prefs@example.org").preferences.query?.text == "adapter")

        try f.store.updateSubscriber(added.email, at: Self.at) { $0.pausedReason = "3 digests in a row failed" }
        guard case .saved(let paused, ["paused"]) = try f.desk.updatePreferences(token: link, .pause, at: Self.at) else {
            Issue.record("not paused")
            return
        }
        #expect(paused.status == .paused)
        guard case .saved(let resumed, ["paused"]) = try f.desk.updatePreferences(token: link, .resume, at: Self.at) else {
            Issue.record("not resumed")
            return
        }
        #expect(resumed.status == .active && resumed.pausedReason == nil)

        // Unsubscribing cancels a queued digest, as the one-click link does.
        let planner = DigestPlanner(store: f.store, settings: f.config, composer: f.desk.composer)
        var empty: [Int64: PeriodKey] = [:]
        #expect(try planner.planDue(at: TestTime.digestAt, foundEmpty: &empty).planned == 1)
        guard case .saved(let left, ["unsubscribed"]) = try f.desk.updatePreferences(token: link, .unsubscribe, at: TestTime.digestAt) else {
            Issue.record("not unsubscribed")
            return
        }
        #expect(left.status == .unsubscribed)
        #expect(try f.store.outboxRows(subscriberID: added.id).map(\.state) == [.cancelled])
        // Nothing else changes for someone who left.
        guard case .notSubscribedHere = try f.desk.updatePreferences(token: link, .resume, at: TestTime.digestAt) else {
            Issue.record("an unsubscribed reader was resumed")
            return
        }
        guard case .notSubscribedHere = try f.desk.updatePreferences(token: "forged", .pause, at: TestTime.digestAt) else {
            Issue.record("a forged token was accepted")
            return
        }
    }

    // MARK: Feedback (item 4)

    @Test(arguments: StoreEngine.allCases) func feedbackLikesDislikesAndUndoes(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        var preferences = try request("feedback@example.org")
        preferences.likes = ["2410.18533"]
        let added = try f.store.addSubscriber(preferences, at: Self.at.addingTimeInterval(-86400))
        let paper = "2410.18533"
        let notForMe = token(f.desk.links.feedback(added, paperID: paper, .notForMe))
        let more = token(f.desk.links.feedback(added, paperID: paper, .moreLikeThis))
        let target = try #require(try f.desk.feedbackTarget(token: notForMe, paperID: paper, feedback: .notForMe))
        #expect(target.recorded == false)
        #expect(target.title?.isEmpty == false)
        #expect(try f.desk.feedbackTarget(token: more, paperID: paper, feedback: .moreLikeThis)?.recorded == true)
        // A token is for one paper and one action.
        #expect(try f.desk.feedbackTarget(token: notForMe, paperID: "2312.02896", feedback: .notForMe) == nil)
        #expect(try f.desk.feedbackTarget(token: notForMe, paperID: paper, feedback: .moreLikeThis) == nil)
        #expect(try f.desk.recordFeedback(token: notForMe, paperID: paper, feedback: .moreLikeThis, undo: false, at: Self.at) == .notValid)

        #expect(try f.desk.recordFeedback(token: notForMe, paperID: paper, feedback: .notForMe, undo: false, at: Self.at) == .recorded)
        var stored = try subscriber(f.store, "feedback@example.org").preferences
        #expect(stored.dislikes == [paper] && stored.likes.isEmpty)
        #expect(try f.desk.feedbackTarget(token: notForMe, paperID: paper, feedback: .notForMe)?.recorded == true)
        #expect(try f.desk.recordFeedback(token: notForMe, paperID: paper, feedback: .notForMe, undo: true, at: Self.at) == .undone)
        stored = try subscriber(f.store, "feedback@example.org").preferences
        #expect(stored.dislikes.isEmpty && stored.likes.isEmpty)
        #expect(try f.desk.recordFeedback(token: more, paperID: paper, feedback: .moreLikeThis, undo: false, at: Self.at) == .recorded)
        // Twice is once.
        #expect(try f.desk.recordFeedback(token: more, paperID: paper, feedback: .moreLikeThis, undo: false, at: Self.at) == .recorded)
        stored = try subscriber(f.store, "feedback@example.org").preferences
        #expect(stored.likes == [paper] && stored.dislikes.isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func feedbackFromAnUnsubscribedReadersOldLinkChangesNothing(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let added = try f.store.addSubscriber(try request("gone@example.org"), at: Self.at.addingTimeInterval(-86400))
        let paper = "2410.18533"
        let more = token(f.desk.links.feedback(added, paperID: paper, .moreLikeThis))
        try f.store.unsubscribe(id: added.id, at: Self.at)
        let before = try subscriber(f.store, "gone@example.org")
        #expect(try f.desk.feedbackTarget(token: more, paperID: paper, feedback: .moreLikeThis) == nil)
        #expect(try f.desk.recordFeedback(token: more, paperID: paper, feedback: .moreLikeThis, undo: false, at: Self.at) == .notValid)
        #expect(try subscriber(f.store, "gone@example.org") == before)
        #expect(before.preferences.likes.isEmpty)
    }

    // MARK: View in browser (item 5)

    @Test(arguments: StoreEngine.allCases) func viewInBrowserShowsTheSentHTMLUntilRetentionThenGone(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let added = try f.store.addSubscriber(try request("view@example.org", query: "adapter"), at: Self.at.addingTimeInterval(-86400))
        var textOnly = try request("text@example.org", query: "adapter")
        textOnly.format = .text
        let plain = try f.store.addSubscriber(textOnly, at: Self.at.addingTimeInterval(-86400))
        let planner = DigestPlanner(store: f.store, settings: f.config, composer: f.desk.composer)
        let decisions = try planner.decide(at: TestTime.digestAt, all: false, only: nil)
        #expect(try planner.write(decisions, at: TestTime.digestAt) == 2)
        let key = try #require(try f.store.outboxRows(subscriberID: added.id).first?.periodKey)
        let link = token(f.desk.links.view(added, periodKey: key))
        guard case .html(let html) = try f.desk.digestHTML(token: link, periodKey: key) else {
            Issue.record("no HTML")
            return
        }
        guard case .digest(let papers, let composed) = try #require(decisions.first { $0.subscriber.id == added.id }).outcome else {
            Issue.record("no digest planned")
            return
        }
        #expect(html == composed.rendered.html)
        #expect(html.contains(HTMLText.escape(papers[0].paper.title)))
        // The token is for that digest only.
        #expect(try f.desk.digestHTML(token: link, periodKey: key + "x") == .notValid)

        let plainKey = try #require(try f.store.outboxRows(subscriberID: plain.id).first?.periodKey)
        guard case .html(let text) = try f.desk.digestHTML(token: token(f.desk.links.view(plain, periodKey: plainKey)), periodKey: plainKey) else {
            Issue.record("no page for a text-only digest")
            return
        }
        #expect(text.contains("<pre"))
        #expect(text.contains("sent as plain text"))

        // Sent, then past retention: the row is gone.
        let sent = try claimMails(f.store, at: TestTime.digestAt)
        for message in sent { _ = try f.store.record(.sent(reply: "250 ok"), for: message, at: TestTime.digestAt) }
        var retention = RetentionSettings()
        retention.messageBodies = 86400
        _ = try f.store.prune(PruneCutoffs(at: TestTime.digestAt.addingTimeInterval(2 * 86400), retention: retention, lookback: 7 * 86400), dryRun: false)
        #expect(try f.desk.digestHTML(token: link, periodKey: key) == .gone(preferencesURL: f.desk.links.preferences(added)))
        _ = try f.store.prune(PruneCutoffs(at: TestTime.digestAt.addingTimeInterval(400 * 86400), retention: retention, lookback: 7 * 86400), dryRun: false)
        #expect(try f.desk.digestHTML(token: link, periodKey: key) == .gone(preferencesURL: f.desk.links.preferences(added)))
    }

    // MARK: Preview

    @Test(arguments: StoreEngine.allCases) func thePreviewShowsTheLastSevenDaysMatchesBestFirstIgnoringTheSentLog(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let preferences = try request("preview@example.org", query: "adapter -diffusion")
        let preview = try f.desk.preview(preferences, at: Self.at)
        #expect(preview.candidates == 72)
        #expect(preview.papers.count == 10)
        #expect(preview.papers.allSatisfy { $0.matchedTerms.contains("adapter") })
        #expect(zip(preview.papers, preview.papers.dropFirst()).allSatisfy { $0.score >= $1.score })
        // A paper marked "Not for me" is not shown again.
        var disliking = preferences
        disliking.dislikes = [preview.papers[0].paper.id]
        let without = try f.desk.preview(disliking, at: Self.at)
        #expect(!without.papers.contains { $0.paper.id == preview.papers[0].paper.id })
        #expect(without.papers.count == 10)
        // Papers first seen more than 7 days ago are not shown.
        #expect(try f.desk.preview(preferences, at: Self.at.addingTimeInterval(8 * 86400)).papers.isEmpty)
        // A bad query is the form's business: an empty query previews the trending papers.
        #expect(try f.desk.preview(SubscriberPreferences(email: preferences.email), at: Self.at).papers.count == 10)
    }

    @Test(arguments: StoreEngine.allCases) func aPreviewSeesNewPapersAtOnceThoughItsSelectorIsShared(engine: StoreEngine) throws {
        let f = try fixture(engine: engine)
        let preferences = try request("fresh@example.org", query: "zymurgy")
        #expect(try f.desk.preview(preferences, at: Self.at).papers.isEmpty)
        let arrived = Self.at.addingTimeInterval(Self.minute)
        try f.store.ingest([Paper(id: "2611.00001", version: 1, title: "Zymurgy at scale", abstract: "Brewing with zymurgy.", authors: ["A. Smith"],
                                  categories: ["cs.LG"], publishedAt: arrived, firstSeenAt: arrived, upvotes: 3, sources: ["demo"])],
                           source: SourceState(name: DemoCorpus.sourceName), at: arrived)
        let preview = try f.desk.preview(preferences, at: arrived.addingTimeInterval(Self.minute))
        #expect(preview.papers.map(\.paper.id) == ["2611.00001"])
        #expect(preview.candidates == 73)
    }

    // MARK: Templates

    @Test(arguments: StoreEngine.allCases) func readerMailTemplatesCanBeOverriddenByFileName(engine: StoreEngine) throws {
        let directory = try TestPaths.temporaryDirectory()
        try "{{% CONTENT_TYPE: TEXT}}\nPlease confirm, {{email}}\n".write(to: directory.appendingPathComponent("confirm.subject.mustache"), atomically: true, encoding: .utf8)
        let f = try fixture(engine: engine) { $0.mail.templatesDirectory = directory.path }
        _ = try f.desk.requestSubscription(try request("override@example.org"), at: Self.at)
        let mail = try #require(try claimMails(f.store).first)
        #expect(headers(mail).contains("Subject: Please confirm, override@example.org"))
        let (_, warnings) = try MailSetup.load(config: f.config, configPath: "(test)", environment: DemoCorpus.demoEnvironment)
        #expect(warnings.allSatisfy { !$0.contains("confirm.subject.mustache") }, "\(warnings)")
    }
}
