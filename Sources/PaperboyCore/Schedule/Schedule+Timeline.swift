import Foundation

extension Schedule {
    /// The period the moment `date` belongs to: the most recent due time at or before `date`.
    public func period(containing date: Date) -> SchedulePeriod {
        let due = ScheduleTimeline(self).latestDue(atOrBefore: date.timeIntervalSince1970)
        return SchedulePeriod(
            start: Date(timeIntervalSince1970: TimeInterval(due.instant)),
            key: CivilDate.key(dayNumber: due.day)
        )
    }

    /// The first due time strictly after `date`.
    public func nextDue(after date: Date) -> Date {
        let timeline = ScheduleTimeline(self)
        let seconds = date.timeIntervalSince1970
        // Start after the current period's day, so the two always agree.
        let current = timeline.latestDue(atOrBefore: seconds)
        return Date(timeIntervalSince1970: TimeInterval(timeline.firstDue(after: seconds, from: current.day + 1)))
    }
}

/// A schedule resolved for computing: its zone's clock, due weekdays and time.
struct ScheduleTimeline {
    let clock: ZoneClock
    let mask: UInt8
    let secondOfDay: Int

    init(_ schedule: Schedule) {
        clock = ZoneClock.named(schedule.zone)
        mask = schedule.days.mask
        secondOfDay = schedule.clampedHour * 3600 + schedule.clampedMinute * 60
    }

    /// Whether the schedule is due on a local day.
    func isDue(on day: Int) -> Bool {
        mask & (1 << UInt8(CivilDate.isoWeekday(dayNumber: day) - 1)) != 0
    }

    /// The latest due day whose instant is at or before `seconds`.
    ///
    /// Searches down from the day after the local day of `seconds` (clocks
    /// going back across midnight can put a due time of the next local day
    /// before it). Due instants increase with the day and the mask is never
    /// empty, so the loop ends within about a week.
    func latestDue(atOrBefore seconds: TimeInterval) -> (day: Int, instant: Int) {
        var day = clock.dayNumber(of: seconds) + 1
        while true {
            if isDue(on: day) {
                let instant = clock.instant(dayNumber: day, secondOfDay: secondOfDay)
                if TimeInterval(instant) <= seconds { return (day, instant) }
            }
            day -= 1
        }
    }

    /// The instant of the first due day from `day` on whose instant is after `seconds`.
    func firstDue(after seconds: TimeInterval, from day: Int) -> Int {
        var day = day
        while true {
            if isDue(on: day) {
                let instant = clock.instant(dayNumber: day, secondOfDay: secondOfDay)
                if TimeInterval(instant) > seconds { return instant }
            }
            day += 1
        }
    }
}
