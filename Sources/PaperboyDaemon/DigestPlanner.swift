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
    }

    public var subscriber: Subscriber
    public var periodKey: String
    public var outcome: Outcome
}

/// Decides who is due at a moment and what their digest holds.
///
/// A subscriber is due when their schedule's current period (their own
/// schedule, else `digest.schedule`) has no digest yet; after downtime that
/// is one digest for the current period, never one per missed period.
/// `all` plans for everyone under a period of its own ("all:" and the minute).
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
        var subscribers = try store.subscribers().filter { $0.status == "active" }
        if let only { subscribers = subscribers.filter { only.contains($0.email) } }
        var keys: [Int64: String] = [:]
        for subscriber in subscribers {
            keys[subscriber.id] = periodKey(subscriber, at: at, all: all)
        }
        let planned = try store.plannedSubscribers(periodKeys: keys)
        let due = subscribers.filter { !planned.contains($0.id) }
        let loader = SelectionLoader(store: store, digest: settings.digest)
        let selector = try loader.selector(at: at, subscribers: due)
        let sent = try loader.sentPapers(at: at)
        var decisions = subscribers.filter { planned.contains($0.id) }.map {
            PlanDecision(subscriber: $0, periodKey: keys[$0.id]!, outcome: .alreadyPlanned)
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
                decisions.append(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .empty(why ?? "nothing to send")))
                continue
            }
            let messageID = "\(key.replacingOccurrences(of: ":", with: "-")).\(subscriber.id).\(DigestComposer.messageID(subscriberID: subscriber.id, domain: composer.from.email.domain))"
            let composed = composer.compose(subscriber, papers: papers, at: at, messageID: messageID)
            decisions.append(PlanDecision(subscriber: subscriber, periodKey: key, outcome: .digest(papers: papers, composed: composed)))
        }
        return decisions.sorted { $0.subscriber.email < $1.subscriber.email }
    }

    /// Writes the digests of `decisions` to the outbox (and their papers to
    /// the sent log) in transactions of up to 500; returns how many were new.
    public func write(_ decisions: [PlanDecision], at: Date) throws -> Int {
        var digests: [PlannedDigest] = []
        for decision in decisions {
            guard case .digest(let papers, let composed) = decision.outcome else { continue }
            digests.append(PlannedDigest(
                subscriberID: decision.subscriber.id, periodKey: decision.periodKey,
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

    func periodKey(_ subscriber: Subscriber, at: Date, all: Bool) -> String {
        if all {
            return "all:" + DigestSelector.describe(at)
        }
        let schedule = subscriber.preferences.schedule ?? settings.digest.schedule
        return "\(schedule.description)|\(schedule.period(containing: at).key)"
    }
}
