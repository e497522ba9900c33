import Foundation
import Synchronization
import PaperboyCore

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

/// A wall clock that starts at a chosen moment and then runs forward at the
/// rate of the monotonic clock: `PAPERBOY_NOW` (see `ProcessClock`). Tests
/// run `paperboy run` and the CLI "at" a fixed moment with it, and an
/// operator can replay a schedule without touching the system clock.
public final class ShiftedDaemonClock: DaemonClock {
    private let start: Date
    private let origin = ContinuousClock.now

    public init(startingAt start: Date) {
        self.start = start
    }

    public func now() -> Date {
        let elapsed = ContinuousClock.now - origin
        return start.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    public func sleep(until deadline: Date) async throws {
        let left = deadline.timeIntervalSince(now())
        if left > 0 { try await Task.sleep(for: .milliseconds(Int64(left * 1000) + 1)) }
    }
}

/// The one place a process decides what "now" is: the system clock, or,
/// when `PAPERBOY_NOW` holds an ISO 8601 moment, a clock that starts at
/// that moment and runs forward from it.
public enum ProcessClock {
    /// The environment variable that shifts the clock.
    public static let variable = "PAPERBOY_NOW"

    /// The clock for this process's environment; throws a message naming
    /// the variable and the fix when it does not hold a time.
    public static func make(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProcessClockError) -> any DaemonClock {
        guard let text = environment[variable], !text.isEmpty else { return SystemDaemonClock() }
        guard let start = FeedDate.parse(text) else {
            throw ProcessClockError(message: "\(variable) \"\(text)\" is not a time; use ISO 8601 such as 2026-11-30T08:01:00Z, or unset it to use the system clock")
        }
        return ShiftedDaemonClock(startingAt: start)
    }
}

/// `PAPERBOY_NOW` does not hold a time.
public struct ProcessClockError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
