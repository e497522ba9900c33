import Foundation

/// One digest period: from one due time up to (not including) the next.
public struct SchedulePeriod: Equatable, Hashable, Sendable {
    /// The due instant that opened the period.
    public var start: Date
    /// The local calendar date of that due time in the schedule's zone, "2026-03-29".
    public var key: String

    public init(start: Date, key: String) {
        self.start = start
        self.key = key
    }
}
