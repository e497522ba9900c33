import Foundation
import PaperboyPipeline
import Synchronization

/// What the daemon's services last did, shared with `/healthz`, sd_notify's
/// `STATUS=` and the watchdog.
public final class DaemonStatus: Sendable {
    public struct Snapshot: Sendable {
        /// When the scheduler last finished a tick.
        public var lastTick: Date?
        /// When the tick under way began (planning many digests takes a while).
        public var tickStartedAt: Date?
        /// The last tick's error, if it failed.
        public var lastTickError: String?
        /// Whether this instance held the planning lease at its last tick
        /// (false: another instance sharing the database plans; this one sends).
        public var planning = true
        /// One line about the last planning and sending.
        public var lastPlan = "no digests planned yet"
        public var lastSend = "nothing sent yet"
        /// Per source: when it was last fetched successfully, and its last error.
        public var lastFetch: [String: Date] = [:]
        public var fetchErrors: [String: String] = [:]
        /// Per source: fetches in a row that failed (from the store at start).
        public var fetchFailuresInARow: [String: Int] = [:]
        /// When the retention service last pruned the store.
        public var lastPrune: Date?
        /// The return mailbox, once the bounce service has tried to read it.
        public var bounceMailbox: BounceMailboxState?
    }

    /// What the bounce service last did with the return mailbox.
    public struct BounceMailboxState: Sendable {
        public var url: String
        public var lastSuccess: Date?
        public var lastError: String?
        /// Polls in a row that failed; 0 after one that worked.
        public var failuresInARow = 0
        public var nextPoll: Date?
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    /// Why the scheduler counts as stuck at `now`, or nil when it is alive:
    /// it finished a tick within `staleAfter` seconds, or a tick under way
    /// began less than 30 minutes ago.
    public func schedulerProblem(at now: Date, staleAfter: Double) -> String? {
        let snapshot = snapshot
        if let started = snapshot.tickStartedAt, now.timeIntervalSince(started) < 1800 { return nil }
        guard let tick = snapshot.lastTick else { return "scheduler: has not ticked yet" }
        let age = now.timeIntervalSince(tick)
        return age > staleAfter ? "scheduler: no tick for \(Int(age)) s" : nil
    }

    /// A source whose last this many fetches failed is a problem in `/healthz`.
    public static let failingSourceAfter = 3

    /// Why each of `sources` counts as failing, in their order: its last
    /// `failingSourceAfter` or more fetches failed.
    public func sourceProblems(_ sources: [String]) -> [String] {
        let snapshot = snapshot
        return sources.compactMap { name in
            guard let failures = snapshot.fetchFailuresInARow[name], failures >= Self.failingSourceAfter else { return nil }
            let error = snapshot.fetchErrors[name].map { ": \($0)" } ?? ""
            return "source \(name): the last \(failures) fetches failed\(error)"
        }
    }

    /// Why the return mailbox counts as failing: its last `failingSourceAfter`
    /// or more polls failed (sending goes on regardless).
    public var bounceMailboxProblem: String? {
        guard let mailbox = snapshot.bounceMailbox, mailbox.failuresInARow >= Self.failingSourceAfter else { return nil }
        return "bounce mailbox \(mailbox.url): the last \(mailbox.failuresInARow) polls failed\(mailbox.lastError.map { ": \($0)" } ?? "")"
    }

    /// Takes each source's last success and failures in a row from the store,
    /// so `/healthz` and `/metrics` tell the truth right after a restart.
    public func seed(from states: [(name: String, lastSuccess: Date?, failuresInARow: Int)]) {
        update { snapshot in
            for state in states {
                if let success = state.lastSuccess, snapshot.lastFetch[state.name] == nil { snapshot.lastFetch[state.name] = success }
                if snapshot.fetchFailuresInARow[state.name] == nil { snapshot.fetchFailuresInARow[state.name] = state.failuresInARow }
            }
        }
    }

    /// The one-line summary for `systemctl status` (sd_notify `STATUS=`).
    public var summary: String {
        let snapshot = snapshot
        return "\(snapshot.lastPlan); \(snapshot.lastSend)"
    }
}
