import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Synchronization
import Testing

/// A mailbox in memory: what the poller fetched, moved and flagged, and a
/// failure to inject (a connection that drops before a message is moved).
class MemoryMailbox: ReturnMailboxSession {
    var canMoveOrFlag: Bool
    var inbox: [(key: String, bytes: [UInt8])] = []
    var processed: [String] = []
    var left: [String: Bool] = [:]   // key → for a person
    var fetched: [String] = []
    var failMoves = 0

    /// Keys are `imap:<validity>:<n>`: another validity, another mailbox.
    let validity: Int

    init(canMoveOrFlag: Bool = true, validity: Int = 1) {
        self.canMoveOrFlag = canMoveOrFlag
        self.validity = validity
    }

    struct Dropped: Error {}

    func deliver(_ text: String) {
        inbox.append(("imap:\(validity):\(inbox.count + processed.count + 1)", Array(text.utf8)))
    }

    func pendingKeys() throws -> [String] { inbox.map(\.key).filter { left[$0] == nil } }
    func fetch(key: String) throws -> [UInt8] {
        fetched.append(key)
        return inbox.first { $0.key == key }!.bytes
    }
    func markProcessed(keys: [String]) throws {
        if failMoves > 0 {
            failMoves -= 1
            throw Dropped()
        }
        inbox.removeAll { keys.contains($0.key) }
        processed += keys
    }
    func leave(keys: [String], forPerson: Bool) throws {
        for key in keys { left[key] = forPerson }
    }
}

@Suite struct BouncePollerTests {
    let t0 = TestTime.now
    static let secret = Array("a link secret of thirty-two bytes".utf8)
    let tokens = LinkToken(secret: BouncePollerTests.secret)
    let returnPath = ReturnPath(address: try! EmailAddress(parsing: "bounces@lab.example.org"), secret: BouncePollerTests.secret)

    struct World {
        let store: Store
        let poller: BouncePoller
        let ada: Subscriber
        let outboxID: Int64
        /// The envelope sender of ada's digest.
        let returnAddress: String
    }

    /// A store with ada@example.org and one queued digest for her.
    /// `settings` get `bounce.address` set, as the return path's config has it.
    func world(engine: StoreEngine, settings: BounceSettings = BounceSettings(), clock: @escaping @Sendable () -> Date = { TestTime.now }) throws -> World {
        var settings = settings
        settings.address = returnPath.address
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        try store.plan([PlannedDigest(subscriberID: ada.id, periodKey: "day", recipient: "ada@example.org", sender: "digest@lab.example.org",
                                      subject: "S", messageID: "<1@lab.example.org>", message: Array("m".utf8), paperIDs: [])], at: t0)
        let outboxID = try #require(try store.outboxRows(subscriberID: ada.id).first?.id)
        let tracer = BounceTracer(store: store, returnPath: returnPath, tokens: tokens)
        let poller = BouncePoller(store: store, settings: settings, tracer: tracer, unsubscribeAddresses: ["unsubscribe@lab.example.org"], now: clock)
        return World(store: store, poller: poller, ada: ada, outboxID: outboxID,
                     returnAddress: returnPath.sender(outboxID: outboxID, recipient: "ada@example.org"))
    }

    @Test(arguments: StoreEngine.allCases) func aHardBounceToTheReturnPathPausesItsSubscriberWithTheServersWords(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        mailbox.deliver(BounceMessages.dsn(to: world.returnAddress))
        let report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.kind) == [.hard])
        #expect(report.items.first?.outcome == .paused)
        let ada = try #require(try world.store.subscriber(id: world.ada.id))
        #expect(ada.status == .paused)
        #expect(ada.pausedReason == "bounced: 550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown")
        #expect(mailbox.processed.count == 1 && mailbox.inbox.isEmpty, "moved out of the folder")
        let recorded = try world.store.bounces(subscriberID: world.ada.id)
        #expect(recorded.map(\.outboxID) == [world.outboxID])
        #expect(recorded.first?.subscriberEmail == "ada@example.org")
    }

    @Test(arguments: StoreEngine.allCases) func aForgedReturnPathTokenNamesNobody(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        let forged = ReturnPath(address: try EmailAddress(parsing: "bounces@lab.example.org"), secret: Array("another secret, thirty-two bytes!".utf8))
        // Naming an address no subscriber has, so only the token could trace it.
        mailbox.deliver(BounceMessages.dsn(to: forged.sender(outboxID: world.outboxID, recipient: "ada@example.org"), recipient: "someone@else.example"))
        let report = try world.poller.poll(mailbox)
        #expect(report.items.first?.subscriberID == nil)
        #expect(report.items.first?.decision.disposition == .forPerson)
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        #expect(mailbox.left.values.first == true, "flagged for a person, left in place")
    }

    /// Another digest for ada (period `period`), and the envelope sender it went out from.
    func digest(_ world: World, _ period: String) throws -> String {
        try world.store.plan([PlannedDigest(subscriberID: world.ada.id, periodKey: period, recipient: "ada@example.org", sender: "digest@lab.example.org",
                                            subject: "S", messageID: "<\(period)@lab.example.org>", message: Array("m".utf8), paperIDs: [])], at: t0)
        let row = try #require(try world.store.outboxRows(subscriberID: world.ada.id).first?.id)
        return returnPath.sender(outboxID: row, recipient: "ada@example.org")
    }

    /// A delay warning or expiry of the digest sent from `sender` (each one a message of its own).
    static func soft(_ sender: String) -> String {
        BounceMessages.dsn(to: sender, action: "delayed", status: "4.2.2", diagnostic: "smtp; 452 4.2.2 Mailbox full")
    }

    @Test(arguments: StoreEngine.allCases) func softBouncesPauseAtTheLimitWithinTheWindowOnly(engine: StoreEngine) throws {
        let now = Mutex(TestTime.now)
        var settings = BounceSettings()
        settings.softLimit = 3
        settings.softWindow = 14 * 86400
        let world = try world(engine: engine, settings: settings, clock: { now.withLock { $0 } })
        let mailbox = MemoryMailbox()
        // One soft bounce, then 20 days pass: it falls out of the window.
        mailbox.deliver(Self.soft(world.returnAddress))
        #expect(try world.poller.poll(mailbox).items.map(\.outcome) == [.counted])
        now.withLock { $0 = $0.addingTimeInterval(20 * 86400) }
        let second = try digest(world, "day2")
        mailbox.deliver(Self.soft(second))
        mailbox.deliver(Self.soft(try digest(world, "day3")))
        // Daily warnings about one delayed digest count once.
        mailbox.deliver(Self.soft(second))
        mailbox.deliver(Self.soft(second))
        #expect(try world.poller.poll(mailbox).items.map(\.outcome) == [.counted, .counted, .counted, .counted])
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        mailbox.deliver(Self.soft(try digest(world, "day4")))
        #expect(try world.poller.poll(mailbox).items.map(\.outcome) == [.paused])
        let ada = try #require(try world.store.subscriber(id: world.ada.id))
        #expect(ada.pausedReason == "bounced: 3 soft bounces in 14d, the last: 452 4.2.2 Mailbox full")
        // Resumed by the operator, she starts again from none.
        now.withLock { $0 = $0.addingTimeInterval(3600) }
        _ = try world.store.updateSubscriber(ada.email, at: now.withLock { $0 }) { $0.preferences.paused = false; $0.pausedReason = nil }
        mailbox.deliver(Self.soft(try digest(world, "day5")))
        #expect(try world.poller.poll(mailbox).items.map(\.outcome) == [.counted])
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
    }

    @Test(arguments: StoreEngine.allCases) func aComplaintUnsubscribesAndCancelsQueuedDigests(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        mailbox.deliver(BounceMessages.arf(complainer: "ada@example.org", returnPath: world.returnAddress))
        let report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.kind) == [.complaint])
        #expect(report.items.first?.outcome == .unsubscribed)
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .unsubscribed)
        #expect(try world.store.outboxRows(subscriberID: world.ada.id).map(\.state) == [.cancelled])
    }

    @Test(arguments: StoreEngine.allCases) func aReportThatOnlyNamesAnAddressActsOnNobodyOnceDigestsCarryAReturnPath(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        // Anyone can write these: a complaint and a DSN naming ada, without her digest's signed return path.
        mailbox.deliver(BounceMessages.arf(complainer: "ada@example.org"))
        mailbox.deliver(BounceMessages.dsn(to: "bounces@lab.example.org"))
        let report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.kind) == [.complaint, .hard])
        #expect(report.items.map(\.outcome) == [.unchanged, .unchanged])
        #expect(report.items.allSatisfy { $0.subscriberID == world.ada.id && $0.decision.disposition == .forPerson })
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        #expect(mailbox.left.values.allSatisfy { $0 } && mailbox.left.count == 2, "both left for a person")

        // Without bounce.address (no digest carries a token), the address is all there is: it counts.
        let classic = BouncePoller(store: world.store, settings: BounceSettings(),
                                   tracer: BounceTracer(store: world.store, returnPath: nil, tokens: tokens), unsubscribeAddresses: [], now: { TestTime.now })
        let second = MemoryMailbox(validity: 2)
        second.deliver(BounceMessages.arf(complainer: "ada@example.org"))
        #expect(try classic.poll(second).items.map(\.outcome) == [.unsubscribed])
    }

    @Test(arguments: StoreEngine.allCases) func aMailedUnsubscribeNeedsItsToken(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        // A forged request (right format, wrong secret) changes nothing and waits for a person.
        let stranger = LinkToken(secret: Array("another secret, thirty-two bytes!".utf8))
        let forged = stranger.make(subscriberID: world.ada.id, email: world.ada.email, purpose: .unsubscribe)
        mailbox.deliver(BounceMessages.plain(from: "ada@example.org", to: "unsubscribe@lab.example.org", subject: "unsubscribe \(forged)"))
        var report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.kind) == [.unsubscribe])
        #expect(report.items.first?.outcome == .unchanged)
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        #expect(mailbox.left.values.first == true)

        let token = tokens.make(subscriberID: world.ada.id, email: world.ada.email, purpose: .unsubscribe)
        mailbox.deliver(BounceMessages.plain(from: "someone@else.example", to: "unsubscribe@lab.example.org", subject: "unsubscribe \(token)"))
        report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.outcome) == [.unsubscribed])
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .unsubscribed)
        #expect(try world.store.outboxRows(subscriberID: world.ada.id).map(\.state) == [.cancelled])
    }

    @Test(arguments: StoreEngine.allCases) func autoRepliesAndUnrelatedMailChangeNothingAndStay(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        mailbox.deliver(BounceMessages.plain(from: "ada@example.org", to: world.returnAddress, subject: "Out of office",
                                   extra: "Auto-Submitted: auto-replied\n"))
        mailbox.deliver(BounceMessages.plain(from: "friend@example.org", to: "bounces@lab.example.org", subject: "Lunch on Friday?"))
        let report = try world.poller.poll(mailbox)
        #expect(report.items.map(\.kind) == [.autoReply, .unknown])
        #expect(report.items.map(\.outcome) == [.unchanged, .unchanged])
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        #expect(mailbox.inbox.count == 2 && mailbox.processed.isEmpty)
        #expect(mailbox.left == [mailbox.inbox[0].key: false, mailbox.inbox[1].key: true])
        // Read once: the next pass finds nothing new.
        #expect(try world.poller.poll(mailbox).items.isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func aPassThatEndsBeforeTheMoveAppliesNothingTwice(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        mailbox.deliver(Self.soft(world.returnAddress))
        mailbox.failMoves = 1
        #expect(throws: MemoryMailbox.Dropped.self) { try world.poller.poll(mailbox) }
        #expect(mailbox.inbox.count == 1, "recorded but still in the folder")
        let again = try world.poller.poll(mailbox)
        #expect(again.items.map(\.recordedBefore) == [true])
        #expect(mailbox.fetched.count == 1, "not fetched again")
        #expect(mailbox.inbox.isEmpty && mailbox.processed.count == 1)
        #expect(try world.store.bounces(subscriberID: world.ada.id).count == 1, "counted once")
    }

    @Test(arguments: StoreEngine.allCases) func theSameMessageUnderANewKeyIsNotAppliedAgain(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let first = MemoryMailbox()
        let bounce = BounceMessages.dsn(to: world.returnAddress, action: "delayed", status: "4.2.2", diagnostic: "smtp; 452 4.2.2 full")
        first.deliver(bounce)
        #expect(try world.poller.poll(first).items.map(\.outcome) == [.counted])
        // The folder was recreated (a new UIDVALIDITY) with the message left in it, or the POP3 maildrop moved.
        let again = MemoryMailbox(validity: 2)
        again.deliver(bounce)
        let report = try world.poller.poll(again)
        #expect(report.items.map(\.recordedBefore) == [true])
        #expect(again.processed.count == 1, "moved, as recorded")
        #expect(try world.store.bounces().count == 1)
    }

    @Test(arguments: StoreEngine.allCases) func aProblemWithOneMessageDoesNotStopTheRest(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = ProblemMailbox()
        mailbox.deliver(BounceMessages.plain(from: "a@example.org", to: "bounces@lab.example.org", subject: "gone"))
        mailbox.deliver(BounceMessages.plain(from: "b@example.org", to: "bounces@lab.example.org", subject: "huge"))
        mailbox.deliver(BounceMessages.arf(complainer: "ada@example.org", returnPath: world.returnAddress))
        mailbox.deliver(BounceMessages.dsn(to: world.returnAddress))
        let keys = mailbox.inbox.map(\.key)
        mailbox.problems = [keys[0]: .gone, keys[1]: .unreadable("larger than Paperboy reads (64 MB)"), keys[2]: .notMoved("NO [OVERQUOTA]")]
        let report = try world.poller.poll(mailbox)
        #expect(report.gone == 1)
        // The complaint and the bounce are moved together (one UID set): the refusal holds for both.
        #expect(report.notMoved == ["\(keys[2]): NO [OVERQUOTA]", "\(keys[3]): NO [OVERQUOTA]"])
        #expect(report.items.map(\.kind) == [.unknown, .complaint, .hard], "the huge one recorded as unknown; the others read")
        #expect(report.items.first?.decision.disposition == .forPerson)
        #expect(mailbox.left[keys[1]] == true, "the huge one flagged for a person")
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .unsubscribed, "the complaint applied, though its move failed")
        #expect(mailbox.inbox.map(\.key).contains(keys[2]), "and it stays until a move works")
        mailbox.problems = [:]
        let next = try world.poller.poll(mailbox)
        #expect(next.items.map(\.recordedBefore) == [true, true], "both are only moved now (the huge one waits flagged)")
        #expect(!mailbox.inbox.isEmpty && mailbox.processed.count == 2)
        #expect(try world.store.bounces().count == 3)
    }

    @Test(arguments: StoreEngine.allCases) func aDryRunRecordsAndMovesNothing(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox()
        mailbox.deliver(BounceMessages.dsn(to: world.returnAddress))
        let report = try world.poller.poll(mailbox, dryRun: true)
        #expect(report.items.first?.decision.effect == .pause(reason: "bounced: 550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown"))
        #expect(report.items.first?.outcome == nil)
        #expect(try world.store.bounces().isEmpty)
        #expect(try world.store.subscriber(id: world.ada.id)?.status == .active)
        #expect(mailbox.inbox.count == 1 && mailbox.left.isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func withPOP3TheRecordIsWhatKeepsAMessageFromBeingReadTwice(engine: StoreEngine) throws {
        let world = try world(engine: engine)
        let mailbox = MemoryMailbox(canMoveOrFlag: false)
        mailbox.deliver(BounceMessages.dsn(to: world.returnAddress))
        mailbox.deliver(BounceMessages.plain(from: "friend@example.org", to: "bounces@lab.example.org", subject: "Hello"))
        #expect(try world.poller.poll(mailbox).items.count == 2)
        let second = try world.poller.poll(mailbox)
        #expect(second.items.isEmpty && second.skipped == 2)
        #expect(mailbox.fetched.count == 2 && mailbox.inbox.count == 2, "never fetched again, never deleted")
    }
}

/// A memory mailbox whose messages can each fail in one way.
final class ProblemMailbox: MemoryMailbox {
    var problems: [String: MailboxMessageProblem] = [:]

    override func fetch(key: String) throws -> [UInt8] {
        switch problems[key] {
        case .gone?:
            inbox.removeAll { $0.key == key }
            throw MailboxMessageProblem.gone
        case .unreadable?: throw problems[key]!
        default: return try super.fetch(key: key)
        }
    }

    override func markProcessed(keys: [String]) throws {
        for key in keys {
            if case .notMoved? = problems[key] { throw problems[key]! }
        }
        try super.markProcessed(keys: keys)
    }
}
