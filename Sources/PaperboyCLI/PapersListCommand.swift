import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy papers list [--since DATE] [--limit N] [--json]`
struct PapersListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List stored papers, newest first."
    )

    @OptionGroup var source: PaperSourceOptions

    @Option(name: .long, help: ArgumentHelp("Only papers first seen since then: a date (2026-11-28), a time (2026-11-28T08:00:00Z), or an age (36h, 7d).", valueName: "DATE"))
    var since: String?

    @Option(name: .long, help: "At most this many papers.")
    var limit: Int = 100

    @Flag(name: .long, help: "Print a JSON array of papers.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        if let since, SinceParser.date(since, now: try CommandClock.now()) == nil {
            throw ValidationError("--since \"\(since)\" is neither a date (2026-11-28), a time (2026-11-28T08:00:00Z) nor an age (36h, 7d)")
        }
    }

    func run() throws {
        try reportingFailures {
            let store = try source.openStore()
            let now = try CommandClock.now()
            let papers = try store.papers(since: since.flatMap { SinceParser.date($0, now: now) }, limit: limit)
            if json {
                say(try PaperJSON.encode(papers))
                return
            }
            if papers.isEmpty {
                say("No papers stored\(since.map { " since \($0)" } ?? ""). Run `paperboy fetch` first, or try --demo.")
                return
            }
            let idWidth = min(24, papers.map(\.id.count).max() ?? 10)
            say("\("ID".padding(idWidth))  \("UPVOTES".padding(7))  FIRST SEEN        TITLE")
            for paper in papers {
                let upvotes = paper.upvotes.map(String.init) ?? "-"
                let title = paper.title.count > 90 ? String(paper.title.prefix(89)) + "…" : paper.title
                say("\(paper.id.padding(idWidth))  \(upvotes.padding(7))  \(DisplayDate.minute(paper.firstSeenAt))  \(title)")
            }
            say("\(papers.count) paper\(papers.count == 1 ? "" : "s")")
        }
    }
}

/// Reads `--since` values.
enum SinceParser {
    static func date(_ text: String, now: Date) -> Date? {
        let trimmed = TextNormalizer.trimmed(text)
        if let last = trimmed.last, last.isLetter, let seconds = ConfigDuration.parseSeconds(trimmed) {
            return now.addingTimeInterval(-seconds)
        }
        return FeedDate.parse(trimmed)
    }
}

/// Dates as the terminal shows them: UTC, to the minute.
enum DisplayDate {
    static func minute(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + "Z"
    }
}

extension String {
    /// Pads with spaces (or cuts) to exactly `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }
}
