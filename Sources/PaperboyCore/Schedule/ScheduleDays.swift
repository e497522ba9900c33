/// The days a schedule is due on.
public enum ScheduleDays: Equatable, Hashable, Sendable {
    /// Every day.
    case daily
    /// Monday to Friday.
    case weekdays
    /// The given ISO weekday numbers: 1 = Monday ... 7 = Sunday.
    ///
    /// Numbers outside 1...7 are ignored; a set with no day in 1...7
    /// (only possible when built in code, never from `Schedule.parse`)
    /// behaves as, and is written as, `daily`.
    case weekly(Set<Int>)

    /// The three-letter names, in week order, index 0 = Monday.
    static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// The days of a `weekly` set in 1...7, in week order; nil for `daily`,
    /// `weekdays`, or a `weekly` set with no such day.
    var effectiveWeekly: [Int]? {
        guard case .weekly(let set) = self else { return nil }
        let days = set.filter { (1...7).contains($0) }.sorted()
        return days.isEmpty ? nil : days
    }

    /// The due weekdays as bits (bit 0 = Monday ... bit 6 = Sunday), never zero.
    var mask: UInt8 {
        switch self {
        case .daily: return 0b111_1111
        case .weekdays: return 0b001_1111
        case .weekly(let set):
            var mask: UInt8 = 0
            for day in set where (1...7).contains(day) { mask |= 1 << UInt8(day - 1) }
            return mask == 0 ? 0b111_1111 : mask
        }
    }
}
