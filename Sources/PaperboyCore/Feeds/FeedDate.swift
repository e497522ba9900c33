import Foundation

/// Parses the date formats feeds use: ISO 8601 / RFC 3339 with or without
/// fractional seconds and offsets, a bare date, and RFC 822 (RSS pubDate).
public enum FeedDate {
    public static func parse(_ text: String) -> Date? {
        let trimmed = TextNormalizer.trimmed(text)
        if trimmed.isEmpty { return nil }
        return parseISO8601(trimmed) ?? DateFormats.parseRFC822(trimmed)
    }

    static func parseISO8601(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= chars.count else { return nil }
            var value = 0
            for byte in chars[index..<index + width] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < chars.count, chars[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < chars.count, chars[index] == 84 || chars[index] == 116 || chars[index] == 32 { // T t space
            index += 1
            guard let h = number(2), expect(58), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(58) {
                guard let s = number(2) else { return nil }
                second = s
                if expect(46) {
                    var scale = 0.1
                    while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                        fraction += Double(chars[index] - 48) * scale
                        scale /= 10
                        index += 1
                    }
                }
            }
            if index < chars.count {
                if chars[index] == 90 || chars[index] == 122 { // Z
                    index += 1
                } else if chars[index] == 43 || chars[index] == 45 { // + -
                    let sign = chars[index] == 45 ? -1 : 1
                    index += 1
                    guard let oh = number(2) else { return nil }
                    _ = expect(58)
                    let om = number(2) ?? 0
                    offsetSeconds = sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard index == chars.count, (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let base = calendar.date(from: components) else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
