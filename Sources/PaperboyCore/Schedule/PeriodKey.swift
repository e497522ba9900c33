import Foundation

/// The key that says which digest period an outbox row belongs to: at most
/// one digest per subscriber and key is planned.
///
/// Keys are stored in the outbox and compared with keys made later, so their
/// format is fixed here, on its own, and never borrowed from text meant for
/// people (a log line or a message can be reworded; a key cannot):
/// - a schedule's period: the schedule's canonical text, "|", and the local
///   date the period began, `daily 08:00 UTC|2026-11-30`;
/// - `send-digest --all`: "all:" and the UTC minute, `all:2026-11-30 08:01Z`;
/// - a reader's own mail (a confirmation, a "manage your subscription"
///   mail): its kind, ":" and the moment in Unix milliseconds, `confirm:1796025600000`.
public struct PeriodKey: Hashable, Sendable, CustomStringConvertible {
    /// The stored text.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The period of `schedule` that contains `date`.
    public static func scheduled(_ schedule: Schedule, at date: Date) -> PeriodKey {
        PeriodKey(rawValue: "\(schedule.description)|\(schedule.period(containing: date).key)")
    }

    /// The period of a `send-digest --all` run at `date`: its UTC minute.
    public static func all(at date: Date) -> PeriodKey {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let minute = CivilDate.pad(secondOfDay / 3600, 2) + ":" + CivilDate.pad(secondOfDay / 60 % 60, 2)
        return PeriodKey(rawValue: "all:" + CivilDate.key(dayNumber: dayNumber) + " " + minute + "Z")
    }

    /// A reader mail of kind `name` (`confirm`, `manage`) queued at `date`:
    /// one key per mail (at most one such mail per address per 10 minutes).
    public static func readerMail(_ name: String, at date: Date) -> PeriodKey {
        PeriodKey(rawValue: "\(name):\(Int64((date.timeIntervalSince1970 * 1000).rounded()))")
    }
}
