import Foundation

/// A time zone's wall clock: turns a local date and time into the instant it
/// is due, with an explicit rule for daylight-saving gaps and overlaps.
///
/// Clocks are cached process-wide by zone identifier, so computing 100,000
/// schedules looks each zone up once.
final class ZoneClock: Sendable {
    let timeZone: TimeZone

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The clock for an identifier; UTC when the identifier is not a time zone
    /// (only possible for a `Schedule` built or changed in code).
    static func named(_ identifier: String) -> ZoneClock {
        cache.clock(identifier)
    }

    /// The IANA names (`Europe/Berlin`), plus `UTC`. Foundation also accepts
    /// abbreviations and offsets (`EST`, `GMT+5`), which do not follow
    /// daylight saving the way people expect: those are refused.
    private static let ianaNames: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"])

    /// Whether `identifier` is an IANA time zone name.
    static func isKnown(_ identifier: String) -> Bool {
        ianaNames.contains(identifier) && TimeZone(identifier: identifier) != nil
    }

    /// The UTC offset in seconds in effect at `seconds` since 1970.
    func offset(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The local day number (days since 1970-01-01 on the wall calendar) of an instant.
    func dayNumber(of seconds: TimeInterval) -> Int {
        let whole = Int(seconds.rounded(.down))
        let local = whole + offset(at: whole)
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// The instant (seconds since 1970) at which the wall clock shows
    /// `secondOfDay` on day `dayNumber`.
    ///
    /// - A time that occurs twice (clocks go back) is the first occurrence.
    /// - A time that does not occur (clocks go forward) is read with the
    ///   offset from before the change, which is the instant the wall clock
    ///   would show had the gap been skipped forward: 02:30 in Berlin on
    ///   2026-03-29 is 03:30 CEST, 01:30Z.
    ///
    /// The offsets tried are those in effect a day before and a day after;
    /// a candidate counts when the offset at its instant is the one used.
    func instant(dayNumber: Int, secondOfDay: Int) -> Int {
        let local = dayNumber * 86_400 + secondOfDay
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        var best: Int?
        if offset(at: local - before) == before {
            best = local - before
        }
        if after != before, offset(at: local - after) == after, local - after < best ?? .max {
            best = local - after
        }
        return best ?? local - before
    }

    private static let cache = Cache()

    /// Identifier → clock, behind a lock.
    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var clocks: [String: ZoneClock] = [:]
        private let utc = ZoneClock(timeZone: TimeZone(secondsFromGMT: 0)!)

        func clock(_ identifier: String) -> ZoneClock {
            lock.lock()
            defer { lock.unlock() }
            if let clock = clocks[identifier] { return clock }
            guard let timeZone = TimeZone(identifier: identifier) else { return utc }
            let clock = ZoneClock(timeZone: timeZone)
            clocks[identifier] = clock
            return clock
        }
    }
}
