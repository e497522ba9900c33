import Foundation

/// Runs `work` over `count` items in chunks on `workers` threads and hands
/// each finished chunk to the calling thread, in the order chunks finish
/// (not their order in the input).
///
/// At most `2 × workers` finished chunks wait for the caller: when the
/// caller is slower (a busy database), the workers pause, so memory stays
/// bounded however many items there are. A throw from `consume` (or a
/// `shouldStop` that turns true) stops the workers after the chunks under
/// way; the chunks they finish then are dropped.
///
/// The first chunks are small (`firstChunkSize`, doubling up to
/// `chunkSize`) so that the first results reach the caller quickly.
public struct ChunkedWork<Result: Sendable>: Sendable {
    let count: Int
    let workers: Int
    let chunkSize: Int
    let firstChunkSize: Int

    public init(count: Int, workers: Int = ChunkedWork.defaultWorkers, chunkSize: Int = 256, firstChunkSize: Int = 16) {
        self.count = count
        self.workers = max(1, workers)
        self.chunkSize = max(1, chunkSize)
        self.firstChunkSize = max(1, min(firstChunkSize, chunkSize))
    }

    /// One worker per core.
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The chunks, as index ranges into the input: small ones first.
    var ranges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var size = firstChunkSize
        while start < count {
            let end = min(count, start + size)
            ranges.append(start..<end)
            start = end
            size = min(chunkSize, size * 2)
        }
        return ranges
    }

    /// `work` is called on a worker thread with a chunk's range; `consume` on
    /// the calling thread with its result.
    public func run(shouldStop: @escaping @Sendable () -> Bool = { false },
             work: @escaping @Sendable (Range<Int>) -> Result,
             consume: (Result) throws -> Void) throws {
        let ranges = ranges
        guard !ranges.isEmpty else { return }
        let threadCount = min(workers, ranges.count)
        if threadCount == 1 {
            // One core (or one chunk): no thread to start.
            for range in ranges {
                if shouldStop() { return }
                try consume(work(range))
            }
            return
        }
        let queue = ChunkQueue<Result>(chunks: ranges.count, capacity: 2 * threadCount, workers: threadCount)
        for _ in 0..<threadCount {
            let thread = Thread {
                while let index = queue.take(shouldStop: shouldStop) {
                    queue.put(work(ranges[index]))
                }
                queue.workerDone()
            }
            thread.name = "paperboy-compose"
            thread.start()
        }
        defer { queue.cancelAndWait() }
        while let result = queue.next() {
            try consume(result)
        }
    }
}

/// The state shared by `ChunkedWork`'s threads, guarded by one condition.
private final class ChunkQueue<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let chunks: Int
    private let capacity: Int
    private var nextChunk = 0
    private var finished: [Result] = []
    /// Chunks taken whose result is not in `finished` yet.
    private var underWay = 0
    private var runningWorkers = 0
    private var cancelled = false

    /// `workers` threads will take chunks; each calls `workerDone()` when it stops.
    init(chunks: Int, capacity: Int, workers: Int) {
        self.chunks = chunks
        self.capacity = capacity
        runningWorkers = workers
    }

    /// The next chunk's index for a worker, waiting while `capacity` results
    /// wait for the caller; nil when none is left or the run was cancelled.
    func take(shouldStop: () -> Bool) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextChunk < chunks && finished.count + underWay >= capacity { condition.wait() }
        guard !cancelled, nextChunk < chunks, !shouldStop() else {
            if !cancelled && shouldStop() { nextChunk = chunks }
            condition.broadcast()
            return nil
        }
        defer { nextChunk += 1 }
        underWay += 1
        return nextChunk
    }

    func put(_ result: Result) {
        condition.lock()
        underWay -= 1
        if !cancelled { finished.append(result) }
        condition.broadcast()
        condition.unlock()
    }

    func workerDone() {
        condition.lock()
        runningWorkers -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next finished result; nil once every chunk is done (or stopped) and handed over.
    func next() -> Result? {
        condition.lock()
        defer { condition.unlock() }
        while finished.isEmpty && (underWay > 0 || (nextChunk < chunks && !cancelled)) { condition.wait() }
        guard !finished.isEmpty else { return nil }
        let result = finished.removeFirst()
        condition.broadcast()
        return result
    }

    /// Stops handing out chunks and waits until every worker has returned.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
    }
}
