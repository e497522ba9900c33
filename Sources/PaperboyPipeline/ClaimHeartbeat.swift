import Foundation
import PaperboyStore

/// Keeps a sender's claims alive on a shared store (PostgreSQL, several
/// instances on several hosts): rows are claimed with a short lease
/// (`DeliveryRunner.sharedLease`), and this thread moves it forward every
/// `interval` while the batch is sent. An instance that dies, or whose
/// host does, stops beating, and another instance takes its rows back
/// when the lease ends (on the same host at once: its pid is gone).
final class ClaimHeartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var stopped = false
    private var thread: Thread?

    init(store: Store, claimer: String, interval: Double, lease: Double, now: @escaping () -> Date) {
        nonisolated(unsafe) let now = now
        let thread = Thread { [condition] in
            while true {
                condition.lock()
                let deadline = Date(timeIntervalSinceNow: interval)
                while !self.stopped && condition.wait(until: deadline) {}
                let stop = self.stopped
                condition.unlock()
                if stop { return }
                // A failed renewal is tried again next beat; the lease has room for several.
                _ = try? store.renewClaims(claimer: claimer, until: now().addingTimeInterval(lease))
            }
        }
        thread.name = "paperboy-claim-heartbeat"
        self.thread = thread
        thread.start()
    }

    /// Ends the thread (it may finish a renewal under way).
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
