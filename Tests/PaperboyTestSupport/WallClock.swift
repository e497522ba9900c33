import Foundation
import PaperboyCore

/// The moments tests run at. No test result depends on the hour or the day
/// CI runs: every "now" comes from here, from a `ManualDaemonClock`, or from
/// `PAPERBOY_NOW` (set by `runPaperboy` to `TestTime.now`).
public enum TestTime {
    /// "Now" for tests and for every `paperboy` the tests run: the afternoon
    /// before the digests of `digestAt`, so readers subscribed now get theirs then.
    public static let nowText = "2026-11-29T12:00:00Z"
    public static let now = FeedDate.parse(nowText)!

    /// The moment the send-digest tests plan and send at (`--at`): a minute after 08:00 UTC, the default schedule.
    public static let digestAtText = "2026-11-30T08:01:00Z"
    public static let digestAt = FeedDate.parse(digestAtText)!

    /// The variable that sets a `paperboy` process's "now" (ProcessClock.variable;
    /// ClockVariableTests checks the two agree).
    public static let clockVariable = "PAPERBOY_NOW"
}

/// The only file under Tests/ that may read the wall clock; `WallClockScanTests`
/// fails on any other use. Each use here decides no test result.
public enum WallClock {
    /// Test folders of earlier runs older than an hour are removed: housekeeping only.
    public static func housekeepingCutoff() -> Date {
        Date().addingTimeInterval(-3600)
    }
}

/// A fixed moment written `2026-11-30T08:00Z` or in full ISO 8601.
public func instant(_ text: String) -> Date {
    FeedDate.parse(text.count == 17 ? String(text.dropLast()) + ":00Z" : text)!
}
