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
    /// The load, until it ran. Released by the loading thread before it
    /// ends, not in its exit destructors (where the last release of what the
    /// load captured, such as a store, would run too late).
    private var load: (@Sendable () throws -> Value)?

    init(_ name: String, _ load: @escaping @Sendable () throws -> Value) {
        self.load = load
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    private func run() {
        finished.lock()
        var job = load
        load = nil
        finished.unlock()
        let result = Result { try job!() }
        job = nil
        finished.lock()
        outcome = result
        finished.broadcast()
        finished.unlock()
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
