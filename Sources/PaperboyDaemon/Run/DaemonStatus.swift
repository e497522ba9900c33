import Foundation
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
        /// One line about the last planning and sending.
        public var lastPlan = "no digests planned yet"
        public var lastSend = "nothing sent yet"
        /// Per source: when it was last fetched successfully, and its last error.
        public var lastFetch: [String: Date] = [:]
        public var fetchErrors: [String: String] = [:]
        /// When the retention service last pruned the store.
        public var lastPrune: Date?
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

    /// The one-line summary for `systemctl status` (sd_notify `STATUS=`).
    public var summary: String {
        let snapshot = snapshot
        return "\(snapshot.lastPlan); \(snapshot.lastSend)"
    }
}
