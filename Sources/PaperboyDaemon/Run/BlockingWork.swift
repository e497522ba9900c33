import Foundation
import Synchronization

/// Runs blocking work (libcurl transfers, SQLite, composing thousands of
/// messages) on a thread of its own, off Swift's cooperative pool, which has
/// one thread per core and must not be blocked.
enum BlockingWork {
    /// Runs `body` on a new thread and returns its result. If the calling
    /// task is cancelled first, returns at once with `CancellationError` and
    /// leaves `body` to finish on its thread, its result dropped (a stop that
    /// ran out of `shutdown_timeout`).
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = Mutex<CheckedContinuation<T, Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let cancelled = slot.withLock { held -> Bool in
                    if Task.isCancelled { return true }
                    held = continuation
                    return false
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let thread = Thread {
                    let result = Result { try body() }
                    slot.withLock { $0.take() }?.resume(with: result)
                }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            slot.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }
}
