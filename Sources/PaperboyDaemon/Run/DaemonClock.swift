import Foundation
import Synchronization

/// Wall-clock time for the daemon's services, injected so that tests can
/// run days of schedules in milliseconds.
public protocol DaemonClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends until `deadline` (wall clock); throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's clock. Sleeps are at most a minute at a time, so a wall
/// clock that jumps (NTP, suspend) is noticed within a minute.
public struct SystemDaemonClock: DaemonClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(left, 60) * 1000) + 1))
        }
    }
}

/// A clock that moves only when told to (`advance(to:)`): the in-memory
/// double for the daemon's tests.
public final class ManualDaemonClock: DaemonClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(_ start: Date) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock, and the earliest deadline.
    public var sleeping: (count: Int, earliest: Date?) {
        state.withLock { state in (state.sleepers.count, state.sleepers.values.map(\.deadline).min()) }
    }

    /// Moves the clock to `time` (never backwards) and wakes every sleeper whose deadline passed.
    public func advance(to time: Date) {
        let woken: [CheckedContinuation<Void, Error>] = state.withLock { state in
            state.now = max(state.now, time)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let resumeNow: Error?? = state.withLock { state in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if deadline <= state.now { return .some(nil) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
