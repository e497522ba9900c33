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

    /// The tzdata names: the IANA names (`Europe/Berlin`), `UTC`, and
    /// tzdata's old and backward names (`CET`, `EST`, `US/Eastern`), each only
    /// if Foundation knows it here. Foundation also accepts abbreviations and
    /// offsets (`PST`, `GMT+5`) that are not tzdata names: those are refused.
    static let zoneNames: [String] = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"]).union(TZDataNames.backward).union(TZDataNames.current)
        .filter { TimeZone(identifier: $0) != nil }.sorted()
    private static let zoneNameSet = Set(zoneNames)

    /// Whether `identifier` is a tzdata time zone name (case matters, as in tzdata).
    static func isKnown(_ identifier: String) -> Bool {
        zoneNameSet.contains(identifier)
    }

    /// The zone meant by a name that is not one: the same name in another
    /// case (`europe/berlin`), else the nearest name or city by edit
    /// distance (`Berln` → `Europe/Berlin`, `Europe/Berln`); nil when none is close.
    static func suggestion(for name: String) -> String? {
        let lowered = name.lowercased()
        var byLowered: [String: String] = [:]
        var byCity: [String: String] = [:]
        var exactOnly: [String: String] = [:]
        // Names with digits or signs (GMT+0, EST5EDT) are suggested only for a case variant of themselves:
        // GMT+5 is one edit from GMT+0, but not what was meant.
        for zone in zoneNames {
            if zone.contains(where: { $0.isNumber || $0 == "+" }) {
                exactOnly[zone.lowercased()] = zone
                continue
            }
            if byLowered[zone.lowercased()] == nil { byLowered[zone.lowercased()] = zone }
            let city = String(zone.split(separator: "/").last ?? Substring(zone)).lowercased()
            // Canonical names win over backward links for the same city.
            if byCity[city] == nil || TZDataNames.backward.contains(byCity[city]!) { byCity[city] = zone }
        }
        if let exact = byLowered[lowered] ?? exactOnly[lowered] { return exact }
        // An offset such as GMT+5 is not a misspelling of a name: no guess.
        if name.contains(where: \.isNumber) { return nil }
        if let city = byCity[lowered] { return city }
        if let near = ConfigReader.nearest(lowered, in: Array(byLowered.keys).sorted()) { return byLowered[near] }
        if let near = ConfigReader.nearest(lowered, in: Array(byCity.keys).sorted()) { return byCity[near] }
        return nil
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
