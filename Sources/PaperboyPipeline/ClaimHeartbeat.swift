import Foundation
import PaperboyStore

/// Keeps a sender's claims alive on a shared store (PostgreSQL, several
/// instances on several hosts): rows are claimed with a short lease
/// (`DeliveryRunner.sharedLease`), and this thread moves it forward every
/// `interval` while the batch is sent. An instance that dies, or whose
/// host does, stops beating, and another instance takes its rows back
/// when the lease ends (on the same host at once: its pid is gone).
final class ClaimHeartbeat: Sendable {
    /// Signalled by `stop()`; the thread waits on it between beats.
    private let stopping = DispatchSemaphore(value: 0)

    init(store: Store, claimer: String, interval: Double, lease: Double, now: @escaping () -> Date) {
        nonisolated(unsafe) let now = now
        let stopping = stopping
        let thread = Thread {
            // A timeout is a beat; a signal is the stop.
            while stopping.wait(timeout: .now() + interval) == .timedOut {
                // A failed renewal is tried again next beat; the lease has room for several.
                _ = try? store.renewClaims(claimer: claimer, until: now().addingTimeInterval(lease))
            }
        }
        thread.name = "paperboy-claim-heartbeat"
        thread.start()
    }

    /// Ends the thread (it may finish a renewal under way).
    func stop() {
        stopping.signal()
    }
}
