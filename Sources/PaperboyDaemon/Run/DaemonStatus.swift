import Foundation
import Synchronization

/// What the daemon's services last did, shared with `/healthz`, sd_notify's
/// `STATUS=` and the watchdog.
public final class DaemonStatus: Sendable {
    public struct Snapshot: Sendable {
        /// When the scheduler last finished a tick.
        public var lastTick: Date?
        /// The last tick's error, if it failed.
        public var lastTickError: String?
        /// One line about the last planning and sending.
        public var lastPlan = "no digests planned yet"
        public var lastSend = "nothing sent yet"
        public var lastSendAt: Date?
        /// Per source: when it was last fetched successfully, and its last error.
        public var lastFetch: [String: Date] = [:]
        public var fetchErrors: [String: String] = [:]
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    /// The one-line summary for `systemctl status` (sd_notify `STATUS=`).
    public var summary: String {
        let snapshot = snapshot
        return "\(snapshot.lastPlan); \(snapshot.lastSend)"
    }
}
