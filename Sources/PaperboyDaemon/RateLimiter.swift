import Foundation
import PaperboyCore
import Synchronization

/// Counts requests per key (a client, a hashed email address) in fixed
/// windows, for `web.rate_limits`: at most `limit.count` in `limit.window`
/// seconds from a key's first request. In memory, on the daemon's clock
/// (times are passed in), and bounded.
///
/// Each key remembers when its own window ends, so keys counted under
/// different limits (clients for an hour, addresses for a day) share one
/// table without one shortening the other's window. At `capacity` keys,
/// ended windows are dropped; if that frees less than a tenth, the windows
/// that end soonest go too, down to 90 %: one scan per tenth of the
/// capacity, never one per request, and under a flood of new keys only the
/// limits about to end anyway are loosened.
final class RateLimiter: Sendable {
    private struct Window {
        var end: Date
        var count: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    let capacity: Int

    init(capacity: Int = 50_000) {
        self.capacity = max(1, capacity)
    }

    /// Counts one request of `key` at `time`: nil when allowed, else the
    /// whole seconds until the key's window ends (for `Retry-After`).
    func admit(_ key: String, limit: WebSettings.RateLimit, at time: Date) -> Int? {
        windows.withLock { windows in
            if var window = windows[key], time < window.end {
                guard window.count < limit.count else {
                    return max(1, Int(window.end.timeIntervalSince(time).rounded(.up)))
                }
                window.count += 1
                windows[key] = window
                return nil
            }
            if windows[key] == nil, windows.count >= capacity { makeRoom(&windows, at: time) }
            windows[key] = Window(end: time.addingTimeInterval(limit.window), count: 1)
            return nil
        }
    }

    /// How many keys are held (for tests of the bound).
    var count: Int { windows.withLock { $0.count } }

    private func makeRoom(_ windows: inout [String: Window], at time: Date) {
        windows = windows.filter { $0.value.end > time }
        let keep = capacity - max(1, capacity / 10)
        guard windows.count > keep else { return }
        let soonest = windows.sorted { $0.value.end < $1.value.end }.prefix(windows.count - keep)
        for (key, _) in soonest { windows.removeValue(forKey: key) }
    }
}
