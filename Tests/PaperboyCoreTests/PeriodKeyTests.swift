import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// Outbox period keys are stored: the same moment must always give the same
/// key, whatever the wording of messages.
@Suite struct PeriodKeyTests {
    @Test func theAllKeyIsPinnedToTheKeysDatabasesHold() throws {
        // The keys `send-digest --all` has always written ("all:" + the UTC minute).
        #expect(PeriodKey.all(at: TestTime.digestAt).rawValue == "all:2026-11-30 08:01Z")
        #expect(PeriodKey.all(at: TestTime.digestAt.addingTimeInterval(59.9)).rawValue == "all:2026-11-30 08:01Z")
        #expect(PeriodKey.all(at: TestTime.digestAt.addingTimeInterval(60)).rawValue == "all:2026-11-30 08:02Z")
        #expect(PeriodKey.all(at: try #require(FeedDate.parse("2027-01-01T00:00:00+01:00"))).rawValue == "all:2026-12-31 23:00Z")
        #expect(PeriodKey.all(at: Date(timeIntervalSince1970: 0)).rawValue == "all:1970-01-01 00:00Z")
    }

    @Test func aScheduleKeyIsTheScheduleAndTheLocalDateItsPeriodBegan() throws {
        #expect(PeriodKey.scheduled(.standard, at: TestTime.digestAt).rawValue == "daily 08:00 UTC|2026-11-30")
        // Before 08:00 the period is the one that began the day before.
        #expect(PeriodKey.scheduled(.standard, at: TestTime.digestAt.addingTimeInterval(-120)).rawValue == "daily 08:00 UTC|2026-11-29")
        let berlin = try Schedule.parse("weekly mon,thu 07:30 Europe/Berlin")
        #expect(PeriodKey.scheduled(berlin, at: TestTime.digestAt).rawValue == "weekly mon,thu 07:30 Europe/Berlin|2026-11-30")
    }

    /// The key has its own format: it does not call the display wording
    /// (`DigestSelector.describe`, `DateFormats`), so rewording those cannot
    /// change which digests count as planned.
    @Test func theKeyDoesNotBorrowADisplayFormat() throws {
        let source = try String(contentsOf: TestPaths.projectRoot.appendingPathComponent("Sources/PaperboyCore/Schedule/PeriodKey.swift"), encoding: .utf8)
        let code = source.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("///") }.joined(separator: "\n")
        for display in ["describe(", "DateFormats", "DateFormatter", "formatted("] {
            #expect(!code.contains(display), "PeriodKey.swift uses \(display)")
        }
    }
}
