import Foundation

/// One piece of loading started on a thread of its own, so the calling
/// thread can do other work meanwhile (planning loads the papers of the
/// window while it finds out who is due, and the sent log while it builds
/// the index). `value()` waits for it and returns its result or rethrows
/// its error; the thread ends with the load.
final class BackgroundLoad<Value: Sendable>: @unchecked Sendable {
    private let finished = NSCondition()
    /// Guarded by `finished`.
    private var outcome: Result<Value, any Error>?

    init(_ name: String, _ load: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let result = Result { try load() }
            finished.lock()
            outcome = result
            finished.broadcast()
            finished.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// Waits for the load to end; its value, or its error.
    func value() throws -> Value {
        finished.lock()
        while outcome == nil { finished.wait() }
        let result = outcome!
        finished.unlock()
        return try result.get()
    }

    /// Waits for the load to end, whatever its outcome (a run that no
    /// longer needs it leaves no thread behind reading the store).
    func wait() {
        _ = try? value()
    }
}
