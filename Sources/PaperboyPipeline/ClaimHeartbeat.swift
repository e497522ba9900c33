import Foundation
import PaperboyStore
import Synchronization

/// Keeps a sender's claims alive on a shared store (PostgreSQL, several
/// instances on several hosts): rows are claimed with a short lease
/// (`DeliveryRunner.sharedLease`), and this thread moves the batch's lease
/// forward every `interval` while it is sent. An instance that dies, or
/// whose host does, stops beating, and another instance takes its rows
/// back when the lease ends (on the same host at once: its pid is gone).
///
/// When renewals keep failing (the database unreachable, this process
/// stalled), `isLapsing` turns true before the lease can run out, and the
/// sender starts no new message: another instance may be about to take
/// the rows over.
final class ClaimHeartbeat: Sendable {
    /// Signalled by `stop()`; the thread waits on it between beats.
    private let stopping = DispatchSemaphore(value: 0)
    /// When the lease was last known to be renewed (monotonic), shared with the thread.
    private final class LastRenewed: Sendable {
        let time = Mutex(ContinuousClock.now)
    }
    private let lastRenewed = LastRenewed()
    private let margin: Duration

    init(store: Store, ids: [Int64], claimer: String, interval: Double, lease: Double, now: @escaping () -> Date) {
        nonisolated(unsafe) let now = now
        let stopping = stopping
        let lastRenewed = lastRenewed
        // The claim itself set the lease; the sender stops starting messages two beats before it could end.
        margin = .milliseconds(Int((lease - 2 * interval) * 1000))
        let thread = Thread {
            // A timeout is a beat; a signal is the stop.
            while stopping.wait(timeout: .now() + interval) == .timedOut {
                let asked = ContinuousClock.now
                // A failed renewal is tried again next beat; the lease has room for several.
                if (try? store.renewClaims(ids: ids, claimer: claimer, until: now().addingTimeInterval(lease))) != nil {
                    lastRenewed.time.withLock { $0 = asked }
                }
            }
        }
        thread.name = "paperboy-claim-heartbeat"
        thread.start()
    }

    /// True when no renewal has worked for so long that the lease may soon
    /// run out: start no new message.
    var isLapsing: Bool {
        ContinuousClock.now - lastRenewed.time.withLock { $0 } > margin
    }

    /// Ends the thread (it may finish a renewal under way).
    func stop() {
        stopping.signal()
    }
}
