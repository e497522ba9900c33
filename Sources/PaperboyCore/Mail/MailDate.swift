import Foundation

/// RFC 5322 dates ("Sun, 29 Nov 2026 08:00:00 +0000"), always in UTC,
/// without DateFormatter.
enum MailDate {
    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = CivilDate.date(dayNumber: dayNumber)
        let weekday = weekdays[CivilDate.isoWeekday(dayNumber: dayNumber) - 1]
        let time = CivilDate.pad(secondOfDay / 3600, 2) + ":" + CivilDate.pad(secondOfDay / 60 % 60, 2) + ":" + CivilDate.pad(secondOfDay % 60, 2)
        return "\(weekday), \(day) \(months[month - 1]) \(CivilDate.pad(year, 4)) \(time) +0000"
    }
}
