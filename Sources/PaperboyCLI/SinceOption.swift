import ArgumentParser
import Foundation
import PaperboyCore

/// `--since DATE` of the listing commands (`papers list`, `bounce list`):
/// a date, a time or an age, checked before the command runs.
struct SinceOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Only those since then: a date (2026-11-28), a time (2026-11-28T08:00:00Z), or an age (36h, 7d).", valueName: "DATE"))
    var since: String?

    func validate() throws {
        if let since, SinceParser.date(since, now: try CommandClock.now()) == nil {
            throw ValidationError("--since \"\(since)\" is neither a date (2026-11-28), a time (2026-11-28T08:00:00Z) nor an age (36h, 7d)")
        }
    }

    /// The moment `--since` names at `now`, nil without it.
    func date(now: Date) -> Date? {
        since.flatMap { SinceParser.date($0, now: now) }
    }
}
