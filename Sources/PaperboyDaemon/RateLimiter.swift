import Foundation
import PaperboyCore
import Synchronization

/// Counts requests per key (a client address, a hashed email address) in
/// fixed windows, for `web.rate_limits`: at most `limit.count` in
/// `limit.window` seconds from a key's first request. In memory, on the
/// daemon's clock (times are passed in), and bounded: past `capacity` keys,
/// windows that have ended are dropped, then the oldest.
final class RateLimiter: Sendable {
    private struct Window {
        var start: Date
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = capacity
    }

    /// Counts one request of `key` at `time`: nil when allowed, else the
    /// whole seconds until the key's window ends (for `Retry-After`).
    func admit(_ key: String, limit: WebSettings.RateLimit, at time: Date) -> Int? {
        windows.withLock { windows in
            if var window = windows[key], time.timeIntervalSince(window.start) < limit.window, time >= window.start {
                guard window.count < limit.count else {
                    return max(1, Int((window.start.addingTimeInterval(limit.window).timeIntervalSince(time)).rounded(.up)))
                }
                window.count += 1
                windows[key] = window
                return nil
            }
            if windows[key] == nil, windows.count >= capacity { Self.makeRoom(&windows, at: time, window: limit.window) }
            windows[key] = Window(start: time, count: 1)
            return nil
        }
    }

    /// How many keys are held (for tests of the bound).
    var count: Int { windows.withLock { $0.count } }

    private static func makeRoom(_ windows: inout [String: Window], at time: Date, window: Double) {
        windows = windows.filter { time.timeIntervalSince($0.value.start) < window }
        if windows.count >= 1, let oldest = windows.min(by: { $0.value.start < $1.value.start }) {
            windows.removeValue(forKey: oldest.key)
        }
    }
}
