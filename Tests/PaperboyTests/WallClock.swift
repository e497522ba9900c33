import Foundation
import PaperboyCore

/// The moments tests run at. No test result depends on the hour or the day
/// CI runs: every "now" comes from here, from a `ManualDaemonClock`, or from
/// `PAPERBOY_NOW` (set by `runPaperboy` to `TestTime.now`).
enum TestTime {
    /// "Now" for tests and for every `paperboy` the tests run: the afternoon
    /// before the digests of `digestAt`, so readers subscribed now get theirs then.
    static let nowText = "2026-11-29T12:00:00Z"
    static let now = FeedDate.parse(nowText)!

    /// The moment the send-digest tests plan and send at (`--at`): a minute after 08:00 UTC, the default schedule.
    static let digestAtText = "2026-11-30T08:01:00Z"
    static let digestAt = FeedDate.parse(digestAtText)!
}

/// The only file under Tests/ that may read the wall clock; `WallClockScanTests`
/// fails on any other use. Each use here decides no test result.
enum WallClock {
    /// Test folders of earlier runs older than an hour are removed: housekeeping only.
    static func housekeepingCutoff() -> Date {
        Date().addingTimeInterval(-3600)
    }
}
