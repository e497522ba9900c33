import Foundation
import PaperboyPipeline
#if canImport(Glibc)
import Glibc
#endif

/// A bounded set of threads that run blocking jobs in the order they were
/// submitted. Threads start when work arrives and no thread is free (never
/// more than `maxThreads`), and end after `idleExit` seconds without work,
/// so a pool that is no longer used (a stopped daemon) holds none.
///
/// When a thread cannot be started and the pool has none, the job fails at
/// once with `BlockingWorkError` instead of waiting for a thread that never comes.
final class BlockingPool: @unchecked Sendable {
    /// Shown as the threads' name (at most 15 bytes on Linux).
    let name: String
    let maxThreads: Int
    let idleExit: Double

    /// Guards everything below.
    private let condition = NSCondition()
    private var queue: [(id: UInt64, run: () -> Void)] = []
    private var head = 0
    private var threads = 0
    private var idle = 0

    init(name: String, maxThreads: Int, idleExit: Double = 10) {
        self.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        self.maxThreads = max(1, maxThreads)
        self.idleExit = idleExit
    }

    /// Threads alive now (busy or idle).
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    /// Queues `job` under `id`; returns an error when no thread runs and none can be started.
    func submit(id: UInt64, _ job: @escaping () -> Void) -> BlockingWorkError? {
        condition.lock()
        defer { condition.unlock() }
        queue.append((id, job))
        if queue.count - head > idle && threads < maxThreads {
            let code = startThread()
            if code != 0 && threads == 0 {
                queue.removeLast()
                return BlockingWorkError(message: "cannot start a thread for \(name) work (\(String(cString: strerror(code)))); "
                    + "the process is at its thread limit (TasksMax=, ulimit -u)")
            }
        }
        if idle > 0 { condition.signal() }
        return nil
    }

    /// Drops the job `id` if no thread has taken it yet; returns whether it did.
    @discardableResult
    func remove(id: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let index = queue[head...].firstIndex(where: { $0.id == id }) else { return false }
        queue.remove(at: index)
        return true
    }

    /// Called with the lock held; returns pthread_create's result.
    private func startThread() -> Int32 {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            let pool = Unmanaged<BlockingPool>.fromOpaque(argument!).takeRetainedValue()
            pool.work()
            return nil
        }, box.toOpaque())
        if code == 0 {
            pthread_detach(thread)
            threads += 1
        } else {
            box.release()
        }
        return code
    }

    /// A thread's life: take jobs until none came for `idleExit` seconds.
    private func work() {
        Thread.current.name = name
        condition.lock()
        while true {
            if head < queue.count {
                let job = queue[head]
                head += 1
                if head > 64 && head * 2 > queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                condition.unlock()
                job.run()
                condition.lock()
                continue
            }
            idle += 1
            let woken = condition.wait(until: Date(timeIntervalSinceNow: idleExit))
            idle -= 1
            if !woken && head >= queue.count {
                threads -= 1
                condition.unlock()
                return
            }
        }
    }
}

/// No thread could run a piece of blocking work.
public struct BlockingWorkError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
