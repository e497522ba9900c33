import Foundation
import PaperboyCore
import PaperboyStore

/// One connection to the return mailbox, as the poller uses it (`ReturnMailbox`
/// in Curl through `CurlReturnMailbox`, or a test's own). Messages are named
/// by their key, stable across connections. A problem with one message is
/// thrown as `MailboxMessageProblem`; anything else ends the pass.
public protocol ReturnMailboxSession: AnyObject {
    /// False for POP3: nothing can be moved or flagged, so the store's record
    /// of each key is what keeps a message from being read twice.
    var canMoveOrFlag: Bool { get }
    /// The keys of the messages still to read, oldest first.
    func pendingKeys() throws -> [String]
    func fetch(key: String) throws -> [UInt8]
    /// Moves the messages out of the folder read (never deletes them).
    func markProcessed(keys: [String]) throws
    /// Leaves the messages where they are, marked as read by Paperboy, flagged when `forPerson`.
    func leave(keys: [String], forPerson: Bool) throws
}

/// A problem with one message, not with the mailbox: the pass goes on with the next.
public enum MailboxMessageProblem: Error, Sendable {
    /// It went between listing and fetching (a person or another poll moved it).
    case gone
    /// It cannot be read (larger than Paperboy reads): recorded as unknown and left for a person.
    case unreadable(String)
    /// It could not be moved or flagged: it stays recorded, and the next pass tries again.
    case notMoved(String)
}

/// What one pass over the return mailbox did, message by message.
public struct BouncePollReport: Sendable {
    public struct Item: Sendable {
        public var key: String
        public var kind: BounceKind
        public var address: String?
        public var status: String?
        public var subscriberID: Int64?
        public var decision: BouncePolicy.Decision
        /// What it did to the subscriber; nil in a dry run.
        public var outcome: BounceOutcome?
        /// Recorded by an earlier pass that ended before the message was moved: applied nothing now.
        public var recordedBefore: Bool
    }
    public var items: [Item] = []
    /// Messages POP3 keeps that an earlier pass recorded (skipped unread).
    public var skipped = 0
    /// Messages that went between listing and fetching.
    public var gone = 0
    /// Messages recorded but not moved or flagged, with why; the next pass tries again.
    public var notMoved: [String] = []

    public func count(_ kind: BounceKind) -> Int { items.filter { $0.kind == kind && !$0.recordedBefore }.count }
}

/// Reads the return mailbox once: each message not read before is fetched,
/// classified (`BounceClassifier`), traced to its subscriber (`BounceTracer`),
/// decided on (`BouncePolicy`), recorded with its effect in one transaction
/// (`Store.recordBounce`), and only then moved or flagged in the mailbox.
///
/// Messages are moved or flagged `moveBatch` at a time (one IMAP command
/// for many), after each of them was recorded. A stop or crash between
/// recording and moving loses nothing and applies nothing twice: the next
/// pass finds the key recorded and only moves the message. A message is
/// never deleted.
public struct BouncePoller: Sendable {
    public let store: Store
    public let settings: BounceSettings
    public let tracer: BounceTracer
    /// `mail.unsubscribe_mailto`, for telling a mailed unsubscribe request.
    public let unsubscribeAddresses: [String]
    let now: @Sendable () -> Date
    /// How many recorded messages wait before they are moved or flagged together.
    public var moveBatch = 50

    public init(store: Store, settings: BounceSettings, tracer: BounceTracer, unsubscribeAddresses: [String], now: @escaping @Sendable () -> Date) {
        self.store = store
        self.settings = settings
        self.tracer = tracer
        self.unsubscribeAddresses = unsubscribeAddresses
        self.now = now
    }

    /// One pass. With `dryRun`, nothing is recorded and nothing in the mailbox
    /// changes; the report says what would be done. `shouldStop` is asked
    /// between messages. `onItem` sees each message as it is done.
    public func poll(_ session: ReturnMailboxSession, dryRun: Bool = false, shouldStop: () -> Bool = { false },
                     onItem: (BouncePollReport.Item) -> Void = { _ in }) throws -> BouncePollReport {
        var report = BouncePollReport()
        var recorded = RecordedMessages()
        for key in try session.pendingKeys() {
            if shouldStop() { break }
            do {
                guard let item = try read(key, session, dryRun: dryRun, recorded: &recorded, report: &report) else { continue }
                report.items.append(item)
                onItem(item)
            } catch MailboxMessageProblem.gone {
                report.gone += 1
            }
            if recorded.count >= moveBatch { try finish(&recorded, in: session, report: &report) }
        }
        try finish(&recorded, in: session, report: &report)
        return report
    }

    /// Recorded messages waiting to be moved or flagged, by what becomes of them.
    struct RecordedMessages {
        var keys: [BounceDisposition: [String]] = [:]
        var count: Int { keys.values.reduce(0) { $0 + $1.count } }
        mutating func add(_ key: String, _ disposition: BounceDisposition) { keys[disposition, default: []].append(key) }
    }

    /// One message: nil when POP3 keeps it from an earlier pass. Recorded
    /// ones join `recorded`, to be moved or flagged with the next batch.
    private func read(_ key: String, _ session: ReturnMailboxSession, dryRun: Bool, recorded: inout RecordedMessages,
                      report: inout BouncePollReport) throws -> BouncePollReport.Item? {
        if let earlier = try store.bounce(key: key) {
            // POP3 keeps every message: the record is what says it was read.
            guard session.canMoveOrFlag else {
                report.skipped += 1
                return nil
            }
            if !dryRun { recorded.add(key, earlier.disposition) }
            return Self.item(key, earlier)
        }
        let bytes: [UInt8]?
        let classified: BounceReport
        do {
            let fetched = try session.fetch(key: key)
            bytes = fetched
            classified = BounceClassifier.classify(ReceivedMessage(fetched), unsubscribeAddresses: unsubscribeAddresses)
        } catch MailboxMessageProblem.unreadable(let why) {
            bytes = nil
            classified = .unreadable(why)
        }
        let message = bytes.map(ReceivedMessage.init)
        let target = try message.flatMap { try tracer.target(of: $0, report: classified) }
        let decision = BouncePolicy.decide(classified, target: target, settings: settings)
        var item = BouncePollReport.Item(key: key, kind: classified.kind, address: classified.recipients.first, status: classified.status,
                                         subscriberID: target?.subscriberID, decision: decision, outcome: nil, recordedBefore: false)
        guard !dryRun else { return item }
        let record = BounceRecord(key: key, at: now(), report: classified, target: target, decision: decision,
                                  messageID: message?["Message-ID"], contentHash: bytes.map(ReceivedMessage.contentHash))
        switch try store.recordBounce(record) {
        case .recorded(let outcome):
            item.outcome = outcome
            recorded.add(key, decision.disposition)
        case .alreadyRecorded(let earlier):
            // The same message under another key (a new UIDVALIDITY), or read by another process meanwhile.
            recorded.add(key, earlier.disposition)
            item = Self.item(key, earlier)
        }
        return item
    }

    /// A message recorded before, as this pass reports it (nothing applied now).
    private static func item(_ key: String, _ earlier: StoredBounce) -> BouncePollReport.Item {
        BouncePollReport.Item(key: key, kind: earlier.kind, address: earlier.address, status: earlier.status, subscriberID: earlier.subscriberID,
                              decision: .init(effect: .nothing, disposition: earlier.disposition, note: earlier.note),
                              outcome: earlier.outcome, recordedBefore: true)
    }

    /// Moves or flags the recorded messages, and empties `recorded`; ones that
    /// will not move are noted in `report` (they are recorded: the next pass
    /// only tries the move again).
    private func finish(_ recorded: inout RecordedMessages, in session: ReturnMailboxSession, report: inout BouncePollReport) throws {
        defer { recorded = RecordedMessages() }
        guard session.canMoveOrFlag else { return }
        for disposition in BounceDisposition.allCases {
            guard let keys = recorded.keys[disposition], !keys.isEmpty else { continue }
            do {
                switch disposition {
                case .processed: try session.markProcessed(keys: keys)
                case .ignored: try session.leave(keys: keys, forPerson: false)
                case .forPerson: try session.leave(keys: keys, forPerson: true)
                }
            } catch MailboxMessageProblem.notMoved(let why) {
                report.notMoved += keys.map { "\($0): \(why)" }
            }
        }
    }
}
