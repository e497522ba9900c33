import Foundation

/// When a subscriber's digest is due: on which days, at which local
/// wall-clock time, in which time zone.
///
/// Written as `daily 08:00 Europe/Berlin`, `weekdays 07:30 UTC` or
/// `weekly mon,thu 07:30 America/New_York`.
public struct Schedule: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var days: ScheduleDays
    /// 0...23, local wall-clock time in `zone`.
    public var hour: Int
    /// 0...59.
    public var minute: Int
    /// IANA identifier, e.g. "Europe/Berlin"; "UTC" when omitted.
    public var zone: String

    /// Builds a schedule without checking it; use `parse` for text.
    /// Computations clamp `hour` to 0...23 and `minute` to 0...59 and treat
    /// a zone Foundation does not know as UTC.
    public init(days: ScheduleDays, hour: Int, minute: Int, zone: String = "UTC") {
        self.days = days
        self.hour = hour
        self.minute = minute
        self.zone = zone
    }

    /// The default: daily 08:00 UTC
    public static let standard = Schedule(days: .daily, hour: 8, minute: 0, zone: "UTC")

    /// Canonical text, which parse() reads back to an equal Schedule:
    /// "daily 08:00 Europe/Berlin", "weekly mon,thu 07:30 UTC"
    /// (days in week order, zone always written).
    public var description: String {
        let time = CivilDate.pad(clampedHour, 2) + ":" + CivilDate.pad(clampedMinute, 2)
        switch days {
        case .daily:
            return "daily \(time) \(zone)"
        case .weekdays:
            return "weekdays \(time) \(zone)"
        case .weekly:
            guard let weekly = days.effectiveWeekly else { return "daily \(time) \(zone)" }
            let names = weekly.map { ScheduleDays.names[$0 - 1] }.joined(separator: ",")
            return "weekly \(names) \(time) \(zone)"
        }
    }

    var clampedHour: Int { min(max(hour, 0), 23) }
    var clampedMinute: Int { min(max(minute, 0), 59) }
}
