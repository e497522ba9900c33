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

    /// The decisions for active subscribers (optionally only `only`), at `at`,
    /// sorted by address; composes on every core and writes nothing (a dry run).
    public func decide(at: Date, all: Bool, only: Set<EmailAddress>?) throws -> [PlanDecision] {
        let run = try prepare(at: at, all: all, only: only, subscribers: nil, keepUndue: true)
        var decisions = run.undue
        try run.decideDue(composer: composer) { decisions += $0 }
        return decisions.sorted { $0.subscriber.email < $1.subscriber.email }
    }

    /// What one planning run did (a scheduler tick, or `send-digest`).
    public struct TickSummary: Sendable, Equatable {
        /// Digests written to the outbox, and subscribers with nothing to send.
        public var planned = 0
        public var empty = 0
        /// The earliest moment after the tick at which some active subscriber is due (ticks only).
        public var nextDue: Date?

        public init(planned: Int = 0, empty: Int = 0, nextDue: Date? = nil) {
            self.planned = planned
            self.empty = empty
            self.nextDue = nextDue
        }
    }

    /// Plans and writes the digests due at `at` (every active subscriber's
    /// with `all`; only `only`'s when set) as a pipeline: selecting and
    /// composing run on every core, and each batch of finished digests is
    /// written in one transaction as soon as it is ready, after which
    /// `written` is called with how many rows it added, so a sender can
    /// start on them while the rest are still being composed. Memory stays
    /// bounded: composing waits while the writes lag behind.
    ///
    /// `shouldStop` turning true (a shutdown) ends the run after the batch
    /// being written; subscribers not written yet are planned by the next run.
    /// `due` hears once how many subscribers are due (before composing);
    /// `empties` sees each subscriber with nothing to send, with the period.
    public func plan(at: Date, all: Bool, only: Set<EmailAddress>?, subscribers given: [Subscriber]? = nil,
                     shouldStop: @escaping @Sendable () -> Bool = { false },
                     due: (Int) -> Void = { _ in },
                     written: (Int) -> Void = { _ in },
                     empties: (Int64, PeriodKey) -> Void = { _, _ in }) throws -> TickSummary {
        let run = try prepare(at: at, all: all, only: only, subscribers: given)
        due(run.due.count)
        var summary = TickSummary()
        try run.decideDue(composer: composer, shouldStop: shouldStop) { decisions in
            for decision in decisions {
                if case .empty = decision.outcome {
                    summary.empty += 1
                    empties(decision.subscriber.id, decision.periodKey)
                }
            }
            let added = try write(decisions, at: at)
            summary.planned += added
            if added > 0 { written(added) }
        }
        return summary
    }

    /// Plans and writes every digest due at `at`: the daemon's tick (see
    /// `plan`; `written` wakes the sender after each batch).
    ///
    /// `foundEmpty` (subscriber id → period key) carries, from tick to tick,
    /// whose digest for the current period had nothing in it: they are not
    /// selected again each minute; the caller clears it when new papers arrive.
    public func planDue(at: Date, foundEmpty: inout [Int64: PeriodKey], shouldStop: @escaping @Sendable () -> Bool = { false },
                        written: (Int) -> Void = { _ in }) throws -> TickSummary {
        // One array of subscribers, filtered in place: with 100,000 of them every copy counts.
        var subscribers = try store.subscribers()
        subscribers.removeAll { $0.status != .active }
        // Subscribers who share a schedule share their next due time.
        var schedules = Set<Schedule>()
        for subscriber in subscribers { schedules.insert(subscriber.preferences.schedule ?? settings.digest.schedule) }
        let known = foundEmpty
        if !known.isEmpty {
            subscribers.removeAll { subscriber in known[subscriber.id].map { $0 == periodKey(subscriber, at: at, all: false) } ?? false }
        }
        var empties: [Int64: PeriodKey] = [:]
        var summary = try plan(at: at, all: false, only: nil, subscribers: subscribers, shouldStop: shouldStop, written: written) { id, key in
            empties[id] = key
        }
        foundEmpty.merge(empties) { $1 }
        summary.nextDue = schedules.map { $0.nextDue(after: at) }.min()
        return summary
    }

    /// Who is due in one planning run, and what selecting their papers needs.
    struct PlanningRun: Sendable {
        let at: Date
        let all: Bool
        /// The decisions for subscribers who are not due (planned already, or not yet due).
        let undue: [PlanDecision]
        /// The subscribers considered, and the positions of those due among them (no second array of subscribers).
        let subscribers: [Subscriber]
        let due: [Int]
        let keys: [Int64: PeriodKey]
        let selector: DigestSelector
        let sent: [Int64: Set<String>]
        let maxPapers: Int
        /// For the sentence of an empty digest: whether the store has no paper, and the newest one's time.
        let storeIsEmpty: Bool
        let latestFirstSeen: Date?

        /// Selects and composes every due subscriber's digest on every core,
        /// handing each finished batch of decisions to `each` on the calling thread.
        func decideDue(composer: DigestComposer, shouldStop: @escaping @Sendable () -> Bool = { false },
                       each: ([PlanDecision]) throws -> Void) throws {
            let work = ChunkedWork<[PlanDecision]>(count: due.count)
            try work.run(shouldStop: shouldStop, work: { range in
                range.map { decide(subscribers[due[$0]], composer: composer) }
            }, consume: each)
        }

        func decide(_ subscriber: Subscriber, composer: DigestComposer) -> PlanDecision {
            let maxPapers = subscriber.preferences.maxPapers ?? self.maxPapers
            let sentBefore = sent[subscriber.id] ?? []
            let papers = selector.select(subscriber.preferences, maxPapers: maxPapers, sent: sentBefore)
            let key = keys[subscriber.id]!
            if papers.isEmpty {
                let why = selector.explain(subscriber.preferences, maxPapers: maxPapers, sent: sentBefore,
                                           storeIsEmpty: storeIsEmpty, latestFirstSeen: latestFirstSeen).emptyReason
                return PlanDecision(subscriber: subscriber, periodKey: key, outcome: .empty(why ?? "nothing to send"))
            }
            let messageID = MessageID.make(subscriberID: subscriber.id, period: key.rawValue, domain: composer.from.email.domain)
            let composed = composer.compose(subscriber, papers: papers, at: at, messageID: messageID, periodKey: key.rawValue)
            return PlanDecision(subscriber: subscriber, periodKey: key, outcome: .digest(papers: papers, composed: composed))
        }
    }

    /// Finds who is due among active subscribers (of `given` when set, else
    /// from the store; only `only` when set) and loads what selecting needs;
    /// with `keepUndue`, also the decisions for those not due (a dry run prints them).
    ///
    /// What does not wait on who is due is done on other threads meanwhile:
    /// the window's papers and their index while the subscribers load (when
    /// they are not `given`, as in `send-digest`; a tick passes its own, and
    /// builds no index when nobody is due), and the sent log while the index is built.
    func prepare(at: Date, all: Bool, only: Set<EmailAddress>?, subscribers given: [Subscriber]?, keepUndue: Bool = false) throws -> PlanningRun {
        let loader = SelectionLoader(store: store, digest: settings.digest)
        let early = given == nil ? BackgroundLoad("paperboy-index") { try loader.windowSelector(at: at) } : nil
        defer { early?.wait() }
        var subscribers: [Subscriber]
        if let given {
            subscribers = given
        } else {
            subscribers = try store.subscribers()
            subscribers.removeAll { $0.status != .active }
        }
        if let only { subscribers.removeAll { !only.contains($0.email) } }
        // Subscribers share a few schedules: each schedule's period is worked out once (time zones are not cheap).
        var periods: [Schedule: (key: PeriodKey, start: Date)] = [:]
        func period(_ schedule: Schedule) -> (key: PeriodKey, start: Date) {
            if let known = periods[schedule] { return known }
            let computed = (PeriodKey.scheduled(schedule, at: at), schedule.period(containing: at).start)
            periods[schedule] = computed
            return computed
        }
        var keys: [Int64: PeriodKey] = [:]
        keys.reserveCapacity(subscribers.count)
        for subscriber in subscribers {
            keys[subscriber.id] = all ? .all(at: at) : period(subscriber.preferences.schedule ?? settings.digest.schedule).key
        }
        let planned = try store.plannedSubscribers(periodKeys: keys.mapValues(\.rawValue))
        var undue: [PlanDecision] = []
        var due: [Int] = []
        for (position, subscriber) in subscribers.enumerated() {
            let key = keys[subscriber.id]!
            if planned.contains(subscriber.id) {
                if keepUndue { undue.append(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .alreadyPlanned)) }
                continue
            }
            if !all {
                let schedule = subscriber.preferences.schedule ?? settings.digest.schedule
                let since = Self.activeSince(subscriber)
                if period(schedule).start < since {
                    if keepUndue { undue.append(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .notYetDue(firstDue: schedule.nextDue(after: since)))) }
                    continue
                }
            }
            due.append(position)
        }
        guard !due.isEmpty else {
            // Nobody due (most of the daemon's ticks, which build no index): nothing to select from.
            return PlanningRun(at: at, all: all, undue: undue, subscribers: subscribers, due: due, keys: keys,
                               selector: DigestSelector(papers: [], at: at, lookback: settings.digest.lookback, ranking: settings.digest.ranking),
                               sent: [:], maxPapers: settings.digest.maxPapers, storeIsEmpty: false, latestFirstSeen: nil)
        }
        let store = self.store
        let history = BackgroundLoad("paperboy-history") {
            (sent: try loader.sentPapers(at: at), storeIsEmpty: try store.paperCount() == 0, latest: try store.latestFirstSeen())
        }
        defer { history.wait() }
        let selector = try loader.selector(window: early?.value() ?? loader.windowSelector(at: at), subscribers: due.lazy.map { subscribers[$0] })
        let (sent, storeIsEmpty, latest) = try history.value()
        return PlanningRun(at: at, all: all, undue: undue, subscribers: subscribers, due: due, keys: keys, selector: selector, sent: sent,
                           maxPapers: settings.digest.maxPapers, storeIsEmpty: storeIsEmpty, latestFirstSeen: latest)
    }

    /// Writes the digests of `decisions` to the outbox (and their papers to
    /// the sent log) in transactions of up to 500; returns how many were new.
    /// Other decisions (empty, planned already, not yet due) write nothing.
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
