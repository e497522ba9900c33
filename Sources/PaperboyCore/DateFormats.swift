import Foundation

/// Every date format Paperboy writes (and the ones it reads back), each
/// written once. All but the digest's dates are in UTC.
///
/// Not here: the outbox period key (`PeriodKey`), whose format is stored and
/// must not follow a change of wording; ISO 8601 parsing of feed and command
/// line dates (`FeedDate`), which is a parser, not a format.
public enum DateFormats {
    /// `2026-11-30 08:01Z`: a moment for people (the terminal, explanations).
    public static func minute(_ date: Date) -> String {
        let (dayNumber, secondOfDay) = utc(date)
        return CivilDate.key(dayNumber: dayNumber) + " " + CivilDate.pad(secondOfDay / 3600, 2) + ":" + CivilDate.pad(secondOfDay / 60 % 60, 2) + "Z"
    }

    /// `2026-11-30`: a UTC day.
    public static func day(_ date: Date) -> String {
        CivilDate.key(dayNumber: utc(date).dayNumber)
    }

    /// `2026-11-30T08:01:00Z`: ISO 8601 for logs, status lines and the admin endpoint.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// `20261130T080100Z`: a compact stamp that sorts as text (backup file names).
    public static func stamp(_ date: Date) -> String {
        let (dayNumber, secondOfDay) = utc(date)
        let (year, month, day) = CivilDate.date(dayNumber: dayNumber)
        return CivilDate.pad(year, 4) + CivilDate.pad(month, 2) + CivilDate.pad(day, 2) + "T"
            + CivilDate.pad(secondOfDay / 3600, 2) + CivilDate.pad(secondOfDay / 60 % 60, 2) + CivilDate.pad(secondOfDay % 60, 2) + "Z"
    }

    /// The moment of a `stamp`, or nil when `text` is not one.
    public static func parseStamp(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        let dayNumber = CivilDate.dayNumber(year: year, month: month, day: day)
        guard CivilDate.date(dayNumber: dayNumber) == (year, month, day) else { return nil }
        return Date(timeIntervalSince1970: Double(dayNumber * 86_400 + hour * 3600 + minute * 60 + second))
    }

    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 29 Nov 2026 08:00:00 +0000`: the RFC 5322 Date header, always in UTC.
    public static func mailDate(_ date: Date) -> String {
        let (dayNumber, secondOfDay) = utc(date)
        let (year, month, day) = CivilDate.date(dayNumber: dayNumber)
        let weekday = weekdays[CivilDate.isoWeekday(dayNumber: dayNumber) - 1]
        let time = CivilDate.pad(secondOfDay / 3600, 2) + ":" + CivilDate.pad(secondOfDay / 60 % 60, 2) + ":" + CivilDate.pad(secondOfDay % 60, 2)
        return "\(weekday), \(day) \(months[month - 1]) \(CivilDate.pad(year, 4)) \(time) +0000"
    }

    /// An RSS `pubDate` (RFC 822, with the variants feeds use), or nil.
    public static func parseRFC822(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        for format in ["EEE, dd MMM yyyy HH:mm:ss Z", "dd MMM yyyy HH:mm:ss Z", "EEE, dd MMM yyyy HH:mm:ss zzz", "EEE, dd MMM yyyy HH:mm Z"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The digest's dates in the reader's zone: `long` ("Monday, 30 November
    /// 2026") and `short` ("30 Nov"). Formatters are costly to make: keep them.
    public static func digestDates(in zone: TimeZone) -> (long: DateFormatter, short: DateFormatter) {
        func formatter(_ format: String) -> DateFormatter {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = format
            return formatter
        }
        return (formatter("EEEE, d MMMM yyyy"), formatter("d MMM"))
    }

    /// The UTC day number and second of that day (whole seconds, rounded down).
    private static func utc(_ date: Date) -> (dayNumber: Int, secondOfDay: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (dayNumber, seconds - dayNumber * 86_400)
    }
}

extension DateFormats {
    /// `Monday, 30 November 2026 at 08:00 (Europe/Berlin)`: a moment for a
    /// reader, in their zone (the reader's pages). An unknown zone is UTC.
    public static func readerMoment(_ date: Date, zone: String) -> String {
        let timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEEE, d MMMM yyyy 'at' HH:mm"
        return formatter.string(from: date) + " (\(timeZone.identifier))"
    }
}
