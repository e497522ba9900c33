import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The scheduler service on an injected clock: it wakes at each due time,
/// across daylight-saving changes, and plans one digest per period.
@Suite struct DaemonSchedulerTests {
    /// Runs the scheduler's own loop from `start` to `end`, moving the clock
    /// to each wake-up the scheduler asks for; returns the wake-ups.
    @discardableResult
    func drive(_ harness: DaemonHarness, until end: Date) async throws -> [Date] {
        let scheduler = harness.daemon.services().scheduler
        let task = Task { try await scheduler.run() }
        var wakes: [Date] = []
        defer { task.cancel() }
        while true {
            var sleeping = harness.clock.sleeping
            var waited = 0
            while sleeping.count == 0 {
                try await Task.sleep(for: .milliseconds(1))
                waited += 1
                #expect(waited < 10_000, "the scheduler never went to sleep")
                if waited >= 10_000 { return wakes }
                sleeping = harness.clock.sleeping
            }
            guard let next = sleeping.earliest, next <= end else { break }
            wakes.append(next)
            harness.clock.advance(to: next)
        }
        return wakes
    }

    /// Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST (02:30 does not exist that day);
    /// 2026-10-25 03:00 CEST → 02:00 CET (02:30 happens twice, the digest goes at the first).
    @Test(arguments: [
        ("2026-03-27T12:00Z", "2026-03-31T00:00Z",
         ["2026-03-28T07:00Z", "2026-03-29T06:00Z", "2026-03-30T06:00Z"],
         ["2026-03-28T01:30Z", "2026-03-29T01:30Z", "2026-03-30T00:30Z"],
         ["2026-03-29T01:30Z"]),
        ("2026-10-23T12:00Z", "2026-10-27T00:00Z",
         ["2026-10-24T06:00Z", "2026-10-25T07:00Z", "2026-10-26T07:00Z"],
         ["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z"],
         ["2026-10-25T00:30Z"]),
    ])
    func dailyAndWeeklySchedulesAcrossADaylightSavingChange(start: String, end: String, morningTimes: [String], nightTimes: [String], sundayTimes: [String]) async throws {
        let begin = instant(start)
        let harness = try DaemonHarness(start: begin, options: DaemonHarness.options(maxSleep: 6 * 3600))
        try harness.addPapers(at: begin.addingTimeInterval(-3600))
        let morning = try harness.addSubscriber("morning@example.org", schedule: "daily 08:00 Europe/Berlin", at: begin)
        let night = try harness.addSubscriber("night@example.org", schedule: "daily 02:30 Europe/Berlin", at: begin)
        let sunday = try harness.addSubscriber("sunday@example.org", schedule: "weekly sun 02:30 Europe/Berlin", at: begin)
        try await drive(harness, until: instant(end))
        #expect(try harness.store.plannedTimes(subscriberID: morning.id) == morningTimes.map(instant))
        #expect(try harness.store.plannedTimes(subscriberID: night.id) == nightTimes.map(instant))
        #expect(try harness.store.plannedTimes(subscriberID: sunday.id) == sundayTimes.map(instant))
    }

    @Test func theSchedulerTicksAtLeastOnceAMinute() async throws {
        let start = instant("2026-11-30T10:00:30Z")
        let harness = try DaemonHarness(start: start)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start)
        let wakes = try await drive(harness, until: start.addingTimeInterval(300))
        #expect(wakes.count == 5)
        #expect(zip(wakes, [start] + wakes).allSatisfy { $0.timeIntervalSince($1) <= 60 })
    }

    @Test func threeDaysOfDowntimeGiveOneDigestEach() throws {
        let day0 = instant("2026-11-30T00:00Z")
        let harness = try DaemonHarness(start: day0)
        try harness.addPapers(at: day0)
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: day0)
        let alan = try harness.addSubscriber("alan@example.org", schedule: "weekdays 07:00 UTC", at: day0)
        let scheduler = harness.daemon.services().scheduler
        let first = try scheduler.tick(at: instant("2026-11-30T08:00Z"))
        #expect(first.planned == 2)
        // Down from Monday 08:00 until Thursday 09:30: three periods missed each.
        let after = try scheduler.tick(at: instant("2026-12-03T09:30Z"))
        #expect(after.planned == 2, "one digest per subscriber, not one per missed period")
        #expect(try scheduler.tick(at: instant("2026-12-03T09:31Z")).planned == 0)
        #expect(try harness.store.plannedTimes(subscriberID: ada.id) == ["2026-11-30T08:00Z", "2026-12-03T09:30Z"].map(instant))
        #expect(try harness.store.plannedTimes(subscriberID: alan.id) == ["2026-11-30T08:00Z", "2026-12-03T09:30Z"].map(instant))
        #expect(after.nextDue == instant("2026-12-04T07:00Z"))
    }

    @Test func aNewSubscriberWaitsForTheirFirstScheduledTime() throws {
        let start = instant("2026-11-30T09:00Z")
        let harness = try DaemonHarness(start: start)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start)
        let scheduler = harness.daemon.services().scheduler
        #expect(try scheduler.tick(at: start.addingTimeInterval(60)).planned == 0, "subscribed after today's 08:00")
        #expect(try scheduler.tick(at: instant("2026-12-01T08:00Z")).planned == 1)
        #expect(try harness.store.plannedTimes(subscriberID: ada.id) == [instant("2026-12-01T08:00Z")])
    }

    @Test func anEmptyDigestIsSelectedAgainOnlyAfterNewPapersArrive() throws {
        let start = instant("2026-11-30T00:00Z")
        let harness = try DaemonHarness(start: start)
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start)
        let scheduler = harness.daemon.services().scheduler
        let empty = try scheduler.tick(at: instant("2026-11-30T08:00Z"))
        #expect(empty.planned == 0 && empty.empty == 1)
        let again = try scheduler.tick(at: instant("2026-11-30T08:01Z"))
        #expect(again.planned == 0 && again.empty == 0, "not selected again each minute")
        try harness.addPapers(at: instant("2026-11-30T08:30Z"))
        #expect(try scheduler.tick(at: instant("2026-11-30T08:31Z")).planned == 1, "new papers: the digest goes out in the same period")
        #expect(try harness.store.plannedTimes(subscriberID: ada.id) == [instant("2026-11-30T08:31Z")])
    }

    @Test func aQuietTickReadsNoSubscribersButAChangeIsSeenAtTheNextTick() throws {
        let start = instant("2026-11-30T00:00Z")
        let harness = try DaemonHarness(start: start)
        try harness.addPapers(at: start)
        try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start)
        let grace = try harness.addSubscriber("grace@example.org", schedule: "daily 08:00 UTC", at: start)
        _ = try harness.store.updateSubscriber(grace.email, at: start) { $0.preferences.paused = true }
        let scheduler = harness.daemon.services().scheduler
        #expect(try scheduler.tick(at: instant("2026-11-30T08:00Z")).planned == 1)
        let quiet = try scheduler.tick(at: instant("2026-11-30T08:01Z"))
        #expect(quiet.planned == 0 && quiet.nextDue == instant("2026-12-01T08:00Z"))
        // Resumed at 08:05: today's digest goes out at the next tick, not tomorrow.
        _ = try harness.store.updateSubscriber(grace.email, at: instant("2026-11-30T08:05Z")) { $0.preferences.paused = false }
        #expect(try scheduler.tick(at: instant("2026-11-30T08:06Z")).planned == 1)
        #expect(try harness.store.plannedTimes(subscriberID: grace.id) == [instant("2026-11-30T08:06Z")])
        // New papers make a full tick too (an empty digest may now have something).
        #expect(try scheduler.tick(at: instant("2026-11-30T08:07Z")).planned == 0)
    }

    @Test func aChangedQueryOrAReloadedScheduleIsSeenAtTheNextTick() throws {
        let start = instant("2026-11-30T00:00Z")
        let harness = try DaemonHarness(start: start, extra: "digest: {schedule: 'daily 08:00 UTC'}")
        try harness.addPapers(at: start)
        let picky = try harness.store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "picky@example.org"),
                                                                         query: try Query.parse("zzzunmatched"), maxPapers: 2), at: start)
        let scheduler = harness.daemon.services().scheduler
        let empty = try scheduler.tick(at: instant("2026-11-30T08:00Z"))
        #expect(empty.empty == 1 && empty.planned == 0)
        // At 10:00 they broaden their query: today's digest goes out at the next tick.
        _ = try harness.store.updateSubscriber(picky.email, at: instant("2026-11-30T10:00Z")) { $0.preferences.query = nil }
        #expect(try scheduler.tick(at: instant("2026-11-30T10:01Z")).planned == 1)

        // A reload that moves the default schedule earlier: the quiet tick does not hide it.
        let other = try harness.addSubscriber("other@example.org", at: start)
        #expect(try scheduler.tick(at: instant("2026-11-30T10:02Z")).planned == 1, "other's 08:00 digest")
        #expect(try scheduler.tick(at: instant("2026-12-01T06:00Z")).planned == 0)
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: "digest: {schedule: 'daily 06:00 UTC'}")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
        #expect(try scheduler.tick(at: instant("2026-12-01T06:01Z")).planned == 2)
        #expect(try harness.store.plannedTimes(subscriberID: other.id).last == instant("2026-12-01T06:01Z"))
    }

    @Test func moreUpvotesOnAKnownPaperAreSeenAtTheNextTick() throws {
        let start = instant("2026-11-30T00:00Z")
        let harness = try DaemonHarness(start: start)
        var papers = try DemoCorpus.papers(at: start)
        try harness.store.ingest(papers, source: SourceState(name: "demo"), at: start)
        let fan = try harness.store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "fan@example.org"),
                                                                       minUpvotes: 10_000, maxPapers: 2), at: start)
        let scheduler = harness.daemon.services().scheduler
        #expect(try scheduler.tick(at: instant("2026-11-30T08:00Z")).empty == 1)
        #expect(try scheduler.tick(at: instant("2026-11-30T09:00Z")).empty == 0, "not selected again while nothing changed")
        // A refetch at 11:00 lifts a known paper over the threshold; no new paper arrives.
        papers[0].upvotes = 20_000
        try harness.store.ingest([papers[0]], source: SourceState(name: "demo"), at: instant("2026-11-30T11:00Z"))
        #expect(try scheduler.tick(at: instant("2026-11-30T11:01Z")).planned == 1)
        #expect(try harness.store.plannedTimes(subscriberID: fan.id) == [instant("2026-11-30T11:01Z")])
    }
}
