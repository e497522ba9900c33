import Foundation

extension Schedule {
    /// Parses `daily HH:MM [ZONE]`, `weekdays HH:MM [ZONE]`, `weekly DAYS HH:MM [ZONE]`
    /// (DAYS: mon,tue,wed,thu,fri,sat,sun, comma-separated, e.g. `mon` or `mon,thu`; case-insensitive).
    ///
    /// The kind and day names are case-insensitive, the zone is an IANA
    /// identifier as Foundation spells it (`Europe/Berlin`), and spaces
    /// around the commas between days are allowed.
    public static func parse(_ text: String) throws(ScheduleError) -> Schedule {
        var words = ScheduleParser.words(text)[...]
        guard let kind = words.popFirst() else {
            throw ScheduleError(message: "the schedule is empty; use \(ScheduleParser.forms), e.g. daily 08:00 Europe/Berlin")
        }
        let days: ScheduleDays
        var said = kind
        switch kind.lowercased() {
        case "daily": days = .daily
        case "weekdays": days = .weekdays
        case "weekly":
            guard let list = words.first, !ScheduleParser.looksLikeTime(list) else {
                throw ScheduleError(message: "weekly needs days before the time; use \(ScheduleParser.dayNames), e.g. weekly mon,thu 08:00")
            }
            words.removeFirst()
            said += " " + list
            days = .weekly(try ScheduleParser.days(list))
        default:
            throw ScheduleError(message: "\(kind) is not a kind of schedule; use daily, weekdays or weekly (\(ScheduleParser.forms))")
        }
        guard let time = words.popFirst() else {
            throw ScheduleError(message: "\(said) needs a time of day; use HH:MM from 00:00 to 23:59, e.g. \(said) 08:00")
        }
        let (hour, minute) = try ScheduleParser.time(time)
        var zone = "UTC"
        if let name = words.popFirst() {
            guard ZoneClock.isKnown(name) else {
                let hint = ZoneClock.suggestion(for: name).map { " (did you mean \($0)?)" } ?? ""
                throw ScheduleError(message: "\(name) is not a time zone\(hint); use an IANA name such as Europe/Berlin or UTC")
            }
            zone = name
        }
        if !words.isEmpty {
            throw ScheduleError(message: "unexpected text after the time zone: \(words.joined(separator: " ")); use \(ScheduleParser.forms)")
        }
        return Schedule(days: days, hour: hour, minute: minute, zone: zone)
    }
}

/// The pieces of `Schedule.parse`.
enum ScheduleParser {
    static let forms = "daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE]"
    static let dayNames = "mon, tue, wed, thu, fri, sat, sun (comma-separated)"

    /// Splits on whitespace, keeping `mon, thu` and `mon ,thu` together as `mon,thu`.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        for word in text.split(whereSeparator: \.isWhitespace) {
            if let last = words.last, last.hasSuffix(",") || word.hasPrefix(",") {
                words[words.count - 1] += word
            } else {
                words.append(String(word))
            }
        }
        return words
    }

    /// Whether a word is meant as a time (so `weekly 08:00` lacks its days).
    static func looksLikeTime(_ word: String) -> Bool {
        word.contains(":") || word.first?.isASCIIDigit == true
    }

    /// `mon,thu` → [1, 4].
    static func days(_ list: String) throws(ScheduleError) -> Set<Int> {
        var days = Set<Int>()
        for name in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard !name.isEmpty else {
                throw ScheduleError(message: "\(list) is not a list of days; use \(dayNames)")
            }
            guard let index = ScheduleDays.names.firstIndex(of: name.lowercased()) else {
                throw ScheduleError(message: "\(name) is not a day; use \(dayNames)")
            }
            days.insert(index + 1)
        }
        return days
    }

    /// `08:00` or `8:00` → (8, 0).
    static func time(_ word: String) throws(ScheduleError) -> (hour: Int, minute: Int) {
        let parts = word.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
              (1...2).contains(parts[0].count), parts[0].allSatisfy(\.isASCIIDigit),
              parts[1].count == 2, parts[1].allSatisfy(\.isASCIIDigit),
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else {
            throw ScheduleError(message: "\(word) is not a time of day; use HH:MM from 00:00 to 23:59")
        }
        return (hour, minute)
    }
}
