import Foundation
import PaperboyPipeline
import Synchronization

/// Runs blocking work (libcurl transfers, SQLite, composing thousands of
/// messages) off Swift's cooperative pool, which has one thread per core and
/// must not be blocked, on a few bounded lanes of threads: however many
/// requests arrive, the daemon never holds more than `Lane.maxThreads`
/// threads per lane.
///
/// Long jobs cannot starve short ones: each service (fetch, plan, send,
/// reload, prune, bounce) has a lane of its own and runs one job at a time on it, and HTTP
/// requests have theirs (`.requests` for the public pages, `.status` for
/// /healthz and /metrics).
public final class BlockingWork: Sendable {
    /// Where a job runs.
    public enum Lane: String, Sendable, CaseIterable {
        /// Unsubscribe requests.
        case requests
        /// /healthz and /metrics reads.
        case status
        /// One feed fetch at a time.
        case fetch
        /// A scheduler tick.
        case plan
        /// A delivery run (holding SMTP connections).
        case send
        /// A SIGHUP reload.
        case reload
        /// The daily prune (`retention:`).
        case prune
        /// One read of the return mailbox (`bounce:`).
        case bounce

        /// The most threads the lane holds at once.
        public var maxThreads: Int {
            switch self {
            case .requests: 4
            case .status: 2
            case .fetch, .plan, .send, .reload, .prune, .bounce: 1
            }
        }

        var threadName: String { "paperboy-\(rawValue)" }
    }

    private let pools: [Lane: BlockingPool]
    private let nextID = Atomic<UInt64>(0)

    /// `idleExit`: seconds after which an unused thread ends.
    public init(idleExit: Double = 10) {
        var pools: [Lane: BlockingPool] = [:]
        for lane in Lane.allCases {
            pools[lane] = BlockingPool(name: lane.threadName, maxThreads: lane.maxThreads, idleExit: idleExit)
        }
        self.pools = pools
    }

    /// The process's lanes for request handlers that have no daemon context at hand.
    public static let shared = BlockingWork()

    /// Runs `body` on the shared `.requests` lane (see `run(_:_:)`); `name` says what the work is for.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await shared.run(.requests, body)
    }

    /// The threads alive now in `lane`.
    public func threadCount(_ lane: Lane) -> Int {
        pools[lane]!.threadCount
    }

    /// Runs `body` on a thread of `lane` and returns its result, waiting for a
    /// free thread when all are busy. If the calling task is cancelled first,
    /// returns at once with `CancellationError`: a job not started yet never
    /// starts, and one under way finishes on its thread, its result dropped
    /// (a stop that ran out of `shutdown_timeout`).
    public func run<T: Sendable>(_ lane: Lane, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let pool = pools[lane]!
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let slot = Mutex<CheckedContinuation<T, Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                // Submitted under the slot's lock: a cancellation either comes
                // first (nothing is queued) or finds the job queued and drops it.
                let refused = slot.withLock { held -> Error? in
                    if Task.isCancelled { return CancellationError() }
                    // The job cannot finish before `held` is set: it needs this lock.
                    if let error = pool.submit(id: id, {
                        let result = Result { try body() }
                        slot.withLock { $0.take() }?.resume(with: result)
                    }) {
                        return error
                    }
                    held = continuation
                    return nil
                }
                if let refused {
                    continuation.resume(throwing: refused)
                }
            }
        } onCancel: {
            // Under the slot's lock, like the submit: a cancellation that comes
            // between the caller's check and its submit finds the job queued
            // (and removes it) instead of missing it and letting it run later.
            slot.withLock { held in
                pool.remove(id: id)
                return held.take()
            }?.resume(throwing: CancellationError())
        }
    }
}
