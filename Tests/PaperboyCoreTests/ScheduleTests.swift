import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// `2026-03-29T01:30Z` → Date (test input only).
private func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withTimeZone]
    guard let date = formatter.date(from: text.replacingOccurrences(of: "Z", with: ":00Z")) else {
        fatalError("bad test date \(text)")
    }
    return date
}

/// Date → "2026-03-29" in UTC (test expectation only).
private func dayKey(_ date: Date) -> String {
    ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
}

private func schedule(_ text: String) -> Schedule {
    do {
        return try Schedule.parse(text)
    } catch {
        fatalError("\(text): \(error)")
    }
}

private func parseError(_ text: String) -> String? {
    do {
        _ = try Schedule.parse(text)
        return nil
    } catch {
        return error.message
    }
}

/// Every due time strictly after `start` and at or before `end`, by repeated `nextDue`.
private func dueTimes(_ schedule: Schedule, after start: Date, through end: Date) -> [Date] {
    var times: [Date] = []
    var moment = start
    while true {
        let next = schedule.nextDue(after: moment)
        if next > end { return times }
        times.append(next)
        moment = next
    }
}

/// Schedule parsing, due times and periods: `swift test --filter ScheduleTests`.
@Suite struct ScheduleTests {}

extension ScheduleTests {
    @Suite struct Parsing {
        @Test(arguments: [
            ("daily 08:00", Schedule(days: .daily, hour: 8, minute: 0, zone: "UTC"), "daily 08:00 UTC"),
            ("daily 08:00 Europe/Berlin", Schedule(days: .daily, hour: 8, minute: 0, zone: "Europe/Berlin"), "daily 08:00 Europe/Berlin"),
            ("DAILY 8:05 Europe/Berlin", Schedule(days: .daily, hour: 8, minute: 5, zone: "Europe/Berlin"), "daily 08:05 Europe/Berlin"),
            ("  daily \t 23:59   Asia/Tokyo  ", Schedule(days: .daily, hour: 23, minute: 59, zone: "Asia/Tokyo"), "daily 23:59 Asia/Tokyo"),
            ("weekdays 00:00", Schedule(days: .weekdays, hour: 0, minute: 0, zone: "UTC"), "weekdays 00:00 UTC"),
            ("Weekdays 07:30 America/New_York", Schedule(days: .weekdays, hour: 7, minute: 30, zone: "America/New_York"), "weekdays 07:30 America/New_York"),
            ("weekly mon 07:30", Schedule(days: .weekly([1]), hour: 7, minute: 30, zone: "UTC"), "weekly mon 07:30 UTC"),
            ("weekly mon,thu 07:30 UTC", Schedule(days: .weekly([1, 4]), hour: 7, minute: 30, zone: "UTC"), "weekly mon,thu 07:30 UTC"),
            ("weekly THU,Mon,thu 07:30", Schedule(days: .weekly([1, 4]), hour: 7, minute: 30, zone: "UTC"), "weekly mon,thu 07:30 UTC"),
            ("weekly sun, sat ,fri 18:45 Europe/Berlin", Schedule(days: .weekly([5, 6, 7]), hour: 18, minute: 45, zone: "Europe/Berlin"), "weekly fri,sat,sun 18:45 Europe/Berlin"),
            ("weekly mon,tue,wed,thu,fri,sat,sun 12:00", Schedule(days: .weekly([1, 2, 3, 4, 5, 6, 7]), hour: 12, minute: 0, zone: "UTC"), "weekly mon,tue,wed,thu,fri,sat,sun 12:00 UTC"),
        ])
        func parsesValidFormsAndWritesThemCanonically(text: String, expected: Schedule, canonical: String) throws {
            let parsed = try Schedule.parse(text)
            #expect(parsed == expected)
            #expect(parsed.description == canonical)
            #expect(try Schedule.parse(parsed.description) == parsed)
        }

        @Test func standardIsDaily0800UTC() throws {
            #expect(Schedule.standard == Schedule(days: .daily, hour: 8, minute: 0, zone: "UTC"))
            #expect(Schedule.standard.description == "daily 08:00 UTC")
            #expect(try Schedule.parse("daily 08:00") == Schedule.standard)
        }

        @Test(arguments: [
            ("", "the schedule is empty; use daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE], e.g. daily 08:00 Europe/Berlin"),
            ("   ", "the schedule is empty; use daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE], e.g. daily 08:00 Europe/Berlin"),
            ("hourly 08:00", "hourly is not a kind of schedule; use daily, weekdays or weekly (daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE])"),
            ("daily", "daily needs a time of day; use HH:MM from 00:00 to 23:59, e.g. daily 08:00"),
            ("weekdays", "weekdays needs a time of day; use HH:MM from 00:00 to 23:59, e.g. weekdays 08:00"),
            ("weekly mon,thu", "weekly mon,thu needs a time of day; use HH:MM from 00:00 to 23:59, e.g. weekly mon,thu 08:00"),
            ("weekly 08:00", "weekly needs days before the time; use mon, tue, wed, thu, fri, sat, sun (comma-separated), e.g. weekly mon,thu 08:00"),
            ("weekly", "weekly needs days before the time; use mon, tue, wed, thu, fri, sat, sun (comma-separated), e.g. weekly mon,thu 08:00"),
            ("daily 25:00", "25:00 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily 24:00", "24:00 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily 08:60", "08:60 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily 8", "8 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily 08:00:00", "08:00:00 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily 8:5", "8:5 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily -1:00", "-1:00 is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("daily noon", "noon is not a time of day; use HH:MM from 00:00 to 23:59"),
            ("weekly funday 08:00", "funday is not a day; use mon, tue, wed, thu, fri, sat, sun (comma-separated)"),
            ("weekly mon,funday 08:00", "funday is not a day; use mon, tue, wed, thu, fri, sat, sun (comma-separated)"),
            ("weekly monday 08:00", "monday is not a day; use mon, tue, wed, thu, fri, sat, sun (comma-separated)"),
            ("weekly mon,,thu 08:00", "mon,,thu is not a list of days; use mon, tue, wed, thu, fri, sat, sun (comma-separated)"),
            ("daily 08:00 Mars/Olympus", "Mars/Olympus is not a time zone; use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 europe/berlin", "europe/berlin is not a time zone (did you mean Europe/Berlin?); use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 Berln", "Berln is not a time zone (did you mean Europe/Berlin?); use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 Europe/Berln", "Europe/Berln is not a time zone (did you mean Europe/Berlin?); use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 berlin", "berlin is not a time zone (did you mean Europe/Berlin?); use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 cet", "cet is not a time zone (did you mean CET?); use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 GMT+5", "GMT+5 is not a time zone; use an IANA name such as Europe/Berlin or UTC"),
            ("daily 08:00 UTC please", "unexpected text after the time zone: please; use daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE]"),
            ("weekly mon 08:00 Europe/Berlin and more", "unexpected text after the time zone: and more; use daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE]"),
        ])
        func rejectsWithWhatIsWrongAndWhatIsAllowed(text: String, message: String) {
            #expect(parseError(text) == message)
        }

        /// tzdata's old and backward names: refused before (not in knownTimeZoneIdentifiers on Linux).
        @Test(arguments: ["CET", "EST", "MST", "EET", "US/Eastern", "Asia/Calcutta", "Asia/Kolkata", "Etc/UTC", "Etc/GMT-5", "Europe/Kiev", "UTC"])
        func acceptsTZDataNames(zone: String) throws {
            let schedule = try Schedule.parse("daily 08:00 \(zone)")
            #expect(schedule.description == "daily 08:00 \(zone)")
        }

        @Test func cetFollowsCentralEuropeanSummerTime() throws {
            // CET is a tzdata zone with daylight saving (CEST in summer), like Europe/Berlin.
            let cet = try Schedule.parse("daily 08:00 CET")
            let berlin = try Schedule.parse("daily 08:00 Europe/Berlin")
            let july = FeedDate.parse("2026-07-01T00:00:00Z")!
            #expect(cet.nextDue(after: july) == berlin.nextDue(after: july))
        }

        @Test func errorDescriptionIsTheMessage() {
            let error = ScheduleError(message: "25:00 is not a time of day; use HH:MM from 00:00 to 23:59")
            #expect(error.description == error.message)
            #expect(throws: error) { try Schedule.parse("daily 25:00") }
        }
    }
}

extension ScheduleTests {
    @Suite struct DaylightSaving {
        /// One due time per local day, at hand-computed UTC instants, across each change.
        @Test(arguments: [
            // Europe/Berlin, spring 2026-03-29: 02:00 CET → 03:00 CEST (01:00Z). 02:30 does not exist: 03:30 CEST.
            ("daily 02:30 Europe/Berlin", "2026-03-27T12:00Z", "2026-03-31T12:00Z",
             ["2026-03-28T01:30Z", "2026-03-29T01:30Z", "2026-03-30T00:30Z", "2026-03-31T00:30Z"],
             ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]),
            ("daily 08:00 Europe/Berlin", "2026-03-27T12:00Z", "2026-03-31T12:00Z",
             ["2026-03-28T07:00Z", "2026-03-29T06:00Z", "2026-03-30T06:00Z", "2026-03-31T06:00Z"],
             ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]),
            // Europe/Berlin, autumn 2026-10-25: 03:00 CEST → 02:00 CET (01:00Z). 02:30 happens twice: the first, CEST.
            ("daily 02:30 Europe/Berlin", "2026-10-23T12:00Z", "2026-10-27T12:00Z",
             ["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z", "2026-10-27T01:30Z"],
             ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]),
            ("daily 08:00 Europe/Berlin", "2026-10-23T12:00Z", "2026-10-27T12:00Z",
             ["2026-10-24T06:00Z", "2026-10-25T07:00Z", "2026-10-26T07:00Z", "2026-10-27T07:00Z"],
             ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]),
            // America/New_York, spring 2026-03-08: 02:00 EST → 03:00 EDT (07:00Z). 02:30 does not exist: 03:30 EDT.
            ("daily 02:30 America/New_York", "2026-03-06T12:00Z", "2026-03-10T12:00Z",
             ["2026-03-07T07:30Z", "2026-03-08T07:30Z", "2026-03-09T06:30Z", "2026-03-10T06:30Z"],
             ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]),
            ("daily 08:00 America/New_York", "2026-03-06T18:00Z", "2026-03-10T18:00Z",
             ["2026-03-07T13:00Z", "2026-03-08T12:00Z", "2026-03-09T12:00Z", "2026-03-10T12:00Z"],
             ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]),
            // America/New_York, autumn 2026-11-01: 02:00 EDT → 01:00 EST (06:00Z). The repeated hour is 01:xx,
            // so 02:30 happens once (EST) and 01:30 happens twice: the first, EDT.
            ("daily 02:30 America/New_York", "2026-10-30T12:00Z", "2026-11-03T12:00Z",
             ["2026-10-31T06:30Z", "2026-11-01T07:30Z", "2026-11-02T07:30Z", "2026-11-03T07:30Z"],
             ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]),
            ("daily 01:30 America/New_York", "2026-10-30T12:00Z", "2026-11-03T12:00Z",
             ["2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z", "2026-11-03T06:30Z"],
             ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]),
            ("daily 08:00 America/New_York", "2026-10-30T18:00Z", "2026-11-03T18:00Z",
             ["2026-10-31T12:00Z", "2026-11-01T13:00Z", "2026-11-02T13:00Z", "2026-11-03T13:00Z"],
             ["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"]),
            // Weekly across the change: Sundays 02:30 in Berlin.
            ("weekly sun 02:30 Europe/Berlin", "2026-03-16T00:00Z", "2026-04-06T00:00Z",
             ["2026-03-22T01:30Z", "2026-03-29T01:30Z", "2026-04-05T00:30Z"],
             ["2026-03-22", "2026-03-29", "2026-04-05"]),
        ])
        func oneDueTimePerLocalDayAtTheRightInstant(text: String, from: String, through: String, expected: [String], keys: [String]) {
            let schedule = schedule(text)
            let times = dueTimes(schedule, after: utc(from), through: utc(through))
            #expect(times == expected.map(utc))
            #expect(times.map { schedule.period(containing: $0).key } == keys)
            for time in times {
                // The due instant opens its period; just before it is still the previous period.
                #expect(schedule.period(containing: time).start == time)
                #expect(schedule.period(containing: time.addingTimeInterval(3599)).start == time)
                #expect(schedule.period(containing: time.addingTimeInterval(-0.5)).start < time)
                #expect(schedule.nextDue(after: time.addingTimeInterval(-0.5)) == time)
            }
        }

        /// Inside the spring gap and the autumn overlap, the period is the day's only due time.
        @Test func periodsInsideTheGapAndTheOverlap() {
            let berlin = schedule("daily 02:30 Europe/Berlin")
            // 01:15Z on 2026-03-29 is 03:15 CEST: 02:30 has not fired yet that day (it fires at 03:30 CEST).
            #expect(berlin.period(containing: utc("2026-03-29T01:15Z")) == SchedulePeriod(start: utc("2026-03-28T01:30Z"), key: "2026-03-28"))
            #expect(berlin.nextDue(after: utc("2026-03-29T01:15Z")) == utc("2026-03-29T01:30Z"))
            // 01:45Z on 2026-10-25 is the second 02:45 (CET): the day's due time was the first 02:30 and does not repeat.
            #expect(berlin.period(containing: utc("2026-10-25T01:45Z")) == SchedulePeriod(start: utc("2026-10-25T00:30Z"), key: "2026-10-25"))
            #expect(berlin.nextDue(after: utc("2026-10-25T01:29Z")) == utc("2026-10-26T01:30Z"))

            let newYork = schedule("daily 01:30 America/New_York")
            // 06:45Z on 2026-11-01 is the second 01:45 (EST).
            #expect(newYork.period(containing: utc("2026-11-01T06:45Z")) == SchedulePeriod(start: utc("2026-11-01T05:30Z"), key: "2026-11-01"))
            #expect(newYork.nextDue(after: utc("2026-11-01T06:29Z")) == utc("2026-11-02T06:30Z"))
        }
    }
}

extension ScheduleTests {
    @Suite struct Days {
        @Test func weekdaysSkipSaturdayAndSunday() {
            let weekdays = schedule("weekdays 08:00")
            // 2026-03-27 is a Friday.
            #expect(weekdays.nextDue(after: utc("2026-03-27T08:00Z")) == utc("2026-03-30T08:00Z"))
            #expect(weekdays.period(containing: utc("2026-03-28T12:00Z")) == SchedulePeriod(start: utc("2026-03-27T08:00Z"), key: "2026-03-27"))
            #expect(weekdays.period(containing: utc("2026-03-30T07:59Z")).key == "2026-03-27")
            #expect(dueTimes(weekdays, after: utc("2026-03-22T12:00Z"), through: utc("2026-04-05T12:00Z")) == [
                "2026-03-23T08:00Z", "2026-03-24T08:00Z", "2026-03-25T08:00Z", "2026-03-26T08:00Z", "2026-03-27T08:00Z",
                "2026-03-30T08:00Z", "2026-03-31T08:00Z", "2026-04-01T08:00Z", "2026-04-02T08:00Z", "2026-04-03T08:00Z",
            ].map(utc))
        }

        @Test func weeklyMondayAndThursday() {
            let weekly = schedule("weekly mon,thu 07:30 UTC")
            // 2026-03-30 is a Monday.
            #expect(dueTimes(weekly, after: utc("2026-03-29T00:00Z"), through: utc("2026-04-13T07:30Z")) == [
                "2026-03-30T07:30Z", "2026-04-02T07:30Z", "2026-04-06T07:30Z", "2026-04-09T07:30Z", "2026-04-13T07:30Z",
            ].map(utc))
            #expect(weekly.period(containing: utc("2026-04-01T23:00Z")) == SchedulePeriod(start: utc("2026-03-30T07:30Z"), key: "2026-03-30"))
            #expect(weekly.period(containing: utc("2026-04-05T23:00Z")) == SchedulePeriod(start: utc("2026-04-02T07:30Z"), key: "2026-04-02"))
        }

        @Test func theKeyIsTheLocalDateInTheZone() {
            // 23:30 in New York on 2026-06-30 is 03:30Z on 2026-07-01.
            let late = schedule("daily 23:30 America/New_York")
            #expect(late.period(containing: utc("2026-07-01T04:00Z")) == SchedulePeriod(start: utc("2026-07-01T03:30Z"), key: "2026-06-30"))
            // 00:15 in Tokyo (UTC+9) on 2027-01-01 is 15:15Z on 2026-12-31.
            let early = schedule("daily 00:15 Asia/Tokyo")
            #expect(early.period(containing: utc("2026-12-31T16:00Z")) == SchedulePeriod(start: utc("2026-12-31T15:15Z"), key: "2027-01-01"))
        }

        @Test func schedulesBuiltInCodeAreTotal() {
            // No day in 1...7: behaves as daily. Unknown zone: UTC. Out-of-range time: clamped.
            let odd = Schedule(days: .weekly([0, 9]), hour: 30, minute: -5, zone: "Mars/Olympus")
            #expect(odd.description == "daily 23:00 Mars/Olympus")
            #expect(odd.nextDue(after: utc("2026-03-29T23:00Z")) == utc("2026-03-30T23:00Z"))
            #expect(odd.period(containing: utc("2026-03-29T23:00Z")).start == utc("2026-03-29T23:00Z"))
        }
    }
}

extension ScheduleTests {
    @Suite struct Agreement {
        static let schedules = [
            "daily 02:30 Europe/Berlin", "daily 08:00 Europe/Berlin", "daily 00:00 Europe/Berlin",
            "daily 02:30 America/New_York", "daily 01:30 America/New_York", "daily 08:00 America/New_York",
            "weekdays 02:30 Europe/Berlin", "weekly mon,thu 07:30 UTC", "weekly sun 02:00 America/New_York",
            "daily 23:59 Asia/Tokyo",
            // Zones with unusual changes: at midnight, by 30 minutes, across the date line.
            "daily 00:30 America/Havana", "daily 00:00 America/Santiago", "daily 02:15 Australia/Lord_Howe",
        ]

        /// Every 17 minutes across the weeks around each change.
        static let windows = [
            ("2026-03-01T00:00Z", "2026-04-08T00:00Z"),
            ("2026-09-01T00:00Z", "2026-10-08T00:00Z"),
            ("2026-10-15T00:00Z", "2026-11-15T00:00Z"),
        ]

        @Test(arguments: schedules)
        func periodAndNextDueAgree(text: String) {
            let schedule = schedule(text)
            var failures = 0
            for (from, to) in Self.windows {
                var moment = utc(from)
                let end = utc(to)
                while moment < end, failures < 5 {
                    let period = schedule.period(containing: moment)
                    let next = schedule.nextDue(after: moment)
                    let ok = period.start <= moment && moment < next
                        && schedule.period(containing: next).start == next
                        && schedule.nextDue(after: period.start.addingTimeInterval(-1)) == period.start
                    if !ok {
                        failures += 1
                        Issue.record("\(text) at \(moment): period \(period), next \(next)")
                    }
                    moment.addTimeInterval(17 * 60)
                }
            }
        }

        /// Daily schedules fire exactly once on every local day, with consecutive keys.
        @Test(arguments: schedules.filter { $0.hasPrefix("daily") })
        func dailySchedulesFireOncePerLocalDay(text: String) {
            let schedule = schedule(text)
            for (from, to) in Self.windows {
                let times = dueTimes(schedule, after: utc(from), through: utc(to))
                let keys = times.map { schedule.period(containing: $0).key }
                let first = schedule.period(containing: times[0])
                #expect(times.count >= 13)
                let firstDay = utc(first.key + "T12:00Z")
                #expect(keys == keys.indices.map { dayKey(firstDay.addingTimeInterval(Double($0) * 86_400)) })
            }
        }

        /// Samoa skipped 2011-12-30: the skipped day and the next share one due time, which fires once.
        @Test func aSkippedDayDoesNotFireTwice() {
            let apia = schedule("daily 08:00 Pacific/Apia")
            let times = dueTimes(apia, after: utc("2011-12-27T00:00Z"), through: utc("2012-01-03T00:00Z"))
            // UTC-10 until 2011-12-29 24:00 local, then UTC+14.
            #expect(times == ["2011-12-27T18:00Z", "2011-12-28T18:00Z", "2011-12-29T18:00Z", "2011-12-30T18:00Z", "2011-12-31T18:00Z", "2012-01-01T18:00Z", "2012-01-02T18:00Z"].map(utc))
            #expect(apia.period(containing: utc("2011-12-30T18:00Z")).key == "2011-12-31")
        }
    }
}
