import Foundation
import PaperboyCore
import PaperboyStore

/// What planning decided for one subscriber.
public struct PlanDecision: Sendable {
    public enum Outcome: Sendable {
        /// A digest: its papers and the composed message.
        case digest(papers: [RankedPaper], composed: DigestComposer.Composed)
        /// Nothing to send, and why (one sentence).
        case empty(String)
        /// Their digest for this period was planned before.
        case alreadyPlanned
        /// They subscribed after this period began: their first digest is due at `firstDue`.
        case notYetDue(firstDue: Date)
    }

    public var subscriber: Subscriber
    public var periodKey: PeriodKey
    public var outcome: Outcome
}

/// Decides who is due at a moment and what their digest holds.
///
/// A subscriber is due when their schedule's current period (their own
/// schedule, else `digest.schedule`) has no digest yet; after downtime that
/// is one digest for the current period, never one per missed period. A new
/// subscriber's first digest is at their first scheduled time after they
/// subscribed (or confirmed, `activeSince`), not at once. `all` plans for everyone under a period of its own
/// (`PeriodKey.all`: "all:" and the minute).
public struct DigestPlanner: Sendable {
    public let store: Store
    public let settings: PaperboyConfig
    public let composer: DigestComposer

    public init(store: Store, settings: PaperboyConfig, composer: DigestComposer) {
        self.store = store
        self.settings = settings
        self.composer = composer
    }

    /// The decisions for active subscribers (optionally only `only`), at `at`.
    public func decide(at: Date, all: Bool, only: Set<EmailAddress>?) throws -> [PlanDecision] {
        var decisions: [PlanDecision] = []
        try decide(at: at, all: all, only: only, subscribers: nil) { decisions.append($0) }
        return decisions.sorted { $0.subscriber.email < $1.subscriber.email }
    }

    /// What one scheduler tick did.
    public struct TickSummary: Sendable, Equatable {
        /// Digests written to the outbox, and subscribers with nothing to send.
        public var planned = 0
        public var empty = 0
        /// The earliest moment after the tick at which some active subscriber is due.
        public var nextDue: Date?

        public init(planned: Int = 0, empty: Int = 0, nextDue: Date? = nil) {
            self.planned = planned
            self.empty = empty
            self.nextDue = nextDue
        }
    }

    /// Plans and writes every digest due at `at`, composing and writing 500 at
    /// a time so that memory stays bounded with many subscribers; the daemon's tick.
    ///
    /// `foundEmpty` (subscriber id → period key) carries, from tick to tick,
    /// whose digest for the current period had nothing in it: they are not
    /// selected again each minute; the caller clears it when new papers arrive.
    public func planDue(at: Date, foundEmpty: inout [Int64: PeriodKey]) throws -> TickSummary {
        let active = try store.subscribers().filter { $0.status == .active }
        let known = foundEmpty
        let subscribers = active.filter { subscriber in
            guard let key = known[subscriber.id] else { return true }
            return key != periodKey(subscriber, at: at, all: false)
        }
        var summary = TickSummary()
        var pending: [PlanDecision] = []
        var empties: [Int64: PeriodKey] = [:]
        try decide(at: at, all: false, only: nil, subscribers: subscribers) { decision in
            switch decision.outcome {
            case .digest:
                pending.append(decision)
                if pending.count >= 500 {
                    summary.planned += try write(pending, at: at)
                    pending.removeAll(keepingCapacity: true)
                }
            case .empty:
                summary.empty += 1
                empties[decision.subscriber.id] = decision.periodKey
            case .alreadyPlanned, .notYetDue: break
            }
        }
        foundEmpty.merge(empties) { $1 }
        summary.planned += try write(pending, at: at)
        // Subscribers who share a schedule share their next due time.
        var schedules = Set<Schedule>()
        for subscriber in active { schedules.insert(subscriber.preferences.schedule ?? settings.digest.schedule) }
        summary.nextDue = schedules.map { $0.nextDue(after: at) }.min()
        return summary
    }

    /// Calls `each` with the decision for every active subscriber (of
    /// `subscribers` when given, else from the store; only `only` when set).
    func decide(at: Date, all: Bool, only: Set<EmailAddress>?, subscribers given: [Subscriber]?, each: (PlanDecision) throws -> Void) throws {
        var subscribers = try given ?? store.subscribers().filter { $0.status == .active }
        if let only { subscribers = subscribers.filter { only.contains($0.email) } }
        var keys: [Int64: PeriodKey] = [:]
        for subscriber in subscribers {
            keys[subscriber.id] = periodKey(subscriber, at: at, all: all)
        }
        let planned = try store.plannedSubscribers(periodKeys: keys.mapValues(\.rawValue))
        var notYet: [Int64: Date] = [:]
        if !all {
            for subscriber in subscribers where !planned.contains(subscriber.id) {
                let schedule = subscriber.preferences.schedule ?? settings.digest.schedule
                let since = Self.activeSince(subscriber)
                if schedule.period(containing: at).start < since {
                    notYet[subscriber.id] = schedule.nextDue(after: since)
                }
            }
        }
        let due = subscribers.filter { !planned.contains($0.id) && notYet[$0.id] == nil }
        let loader = SelectionLoader(store: store, digest: settings.digest)
        let selector = try loader.selector(at: at, subscribers: due)
        let sent = try loader.sentPapers(at: at)
        for subscriber in subscribers {
            if planned.contains(subscriber.id) {
                try each(PlanDecision(subscriber: subscriber, periodKey: keys[subscriber.id]!, outcome: .alreadyPlanned))
            } else if let first = notYet[subscriber.id] {
                try each(PlanDecision(subscriber: subscriber, periodKey: keys[subscriber.id]!, outcome: .notYetDue(firstDue: first)))
            }
        }
        // Read once, and only if some digest is empty (for the reason sentence).
        var storeFacts: (isEmpty: Bool, latest: Date?)?
        for subscriber in due {
            let maxPapers = subscriber.preferences.maxPapers ?? settings.digest.maxPapers
            let papers = selector.select(subscriber.preferences, maxPapers: maxPapers, sent: sent[subscriber.id] ?? [])
            let key = keys[subscriber.id]!
            if papers.isEmpty {
                if storeFacts == nil { storeFacts = (try store.paperCount() == 0, try store.latestFirstSeen()) }
                let why = selector.explain(subscriber.preferences, maxPapers: maxPapers, sent: sent[subscriber.id] ?? [],
                                           storeIsEmpty: storeFacts!.isEmpty, latestFirstSeen: storeFacts!.latest).emptyReason
                try each(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .empty(why ?? "nothing to send")))
                continue
            }
            let messageID = MessageID.make(subscriberID: subscriber.id, period: key.rawValue, domain: composer.from.email.domain)
            let composed = composer.compose(subscriber, papers: papers, at: at, messageID: messageID, periodKey: key.rawValue)
            try each(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .digest(papers: papers, composed: composed)))
        }
    }

    /// Writes the digests of `decisions` to the outbox (and their papers to
    /// the sent log) in transactions of up to 500; returns how many were new.
    public func write(_ decisions: [PlanDecision], at: Date) throws -> Int {
        var digests: [PlannedDigest] = []
        for decision in decisions {
            guard case .digest(let papers, let composed) = decision.outcome else { continue }
            digests.append(PlannedDigest(
                subscriberID: decision.subscriber.id, periodKey: decision.periodKey.rawValue,
                recipient: decision.subscriber.email.description, sender: composer.from.email.description,
                subject: composed.rendered.subject, messageID: composed.messageID, message: composed.message,
                paperIDs: papers.map(\.paper.id)
            ))
        }
        var written = 0
        for start in stride(from: 0, to: digests.count, by: 500) {
            written += try store.plan(Array(digests[start..<min(start + 500, digests.count)]), at: at)
        }
        return written
    }

    /// When a subscriber's digests began: when they were added, or when they
    /// confirmed a subscribe-page request (a returning reader's row is older
    /// than their consent). Their first digest is at the first scheduled time after it.
    public static func activeSince(_ subscriber: Subscriber) -> Date {
        max(subscriber.createdAt, subscriber.confirmedAt ?? subscriber.createdAt)
    }

    /// The period a digest for `subscriber` planned at `at` belongs to.
    func periodKey(_ subscriber: Subscriber, at: Date, all: Bool) -> PeriodKey {
        if all { return .all(at: at) }
        return .scheduled(subscriber.preferences.schedule ?? settings.digest.schedule, at: at)
    }
}
