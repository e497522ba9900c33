import Foundation

/// Runs the independent pieces of an index build on several threads and
/// hands their results back in input order, so a build on any number of
/// threads equals the one on a single thread.
///
/// Pieces are taken one at a time by whichever thread is free (a core
/// busy with other work slows the build down, it does not hold up a fixed
/// half of it). With one thread, or one piece, everything runs on the
/// calling thread and no thread is started.
enum ParallelBuild {
    /// One thread per core.
    static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `body(k)` for every k in `0..<count`, on up to `threads` threads (the
    /// calling one among them); the results in the order of k.
    static func map<T>(_ count: Int, threads: Int = defaultThreads, _ body: (Int) -> T) -> [T] {
        let workers = min(max(1, threads), count)
        guard workers > 1 else { return (0..<count).map(body) }
        let slots = Slots<T>(count: count)
        withoutActuallyEscaping(body) { body in
            // The pieces share nothing but what `body` reads, and each result has its own slot.
            let shared = Unchecked(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let k = slots.claim() { slots.fill(k, with: shared.value(k)) }
            }
        }
        return slots.results
    }

    /// `first()` and `second()` at the same time (on two threads when
    /// `threads` allows), returning both.
    static func both<A, B>(threads: Int = defaultThreads, _ first: () -> A, _ second: () -> B) -> (A, B) {
        var a: A?
        var b: B?
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let pieces: [() -> Void] = [{ a = first() }, { b = second() }]
                _ = map(pieces.count, threads: threads) { pieces[$0]() }
            }
        }
        return (a!, b!)
    }
}

/// A closure handed to the threads of `ParallelBuild.map`, which only
/// reads what it captured while they run.
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The results of `ParallelBuild.map`: which piece is next, and each
/// piece's result in its own slot.
private final class Slots<T>: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var next = 0
    private let count: Int
    /// Guarded by `lock`.
    private var values: [T?]

    init(count: Int) {
        self.count = count
        values = Array(repeating: nil, count: count)
    }

    /// The next piece nobody has taken yet, or nil when all are taken.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func fill(_ k: Int, with value: T) {
        lock.lock()
        values[k] = value
        lock.unlock()
    }

    /// Every piece's result, in order (call after all were filled).
    var results: [T] {
        lock.lock()
        defer { lock.unlock() }
        return values.map { $0! }
    }
}
