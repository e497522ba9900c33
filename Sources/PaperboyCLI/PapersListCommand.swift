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

    /// Papers first seen since then.
    @OptionGroup var since: SinceOption

    @Option(name: .long, help: "At most this many papers (the newest). When the limit cuts the list, the text output's last line says so, and with --json a note goes to stderr (the JSON stays a plain array).")
    var limit: Int = 100

    @Flag(name: .long, help: "Print a JSON array of papers (snake_case keys); a list cut by --limit is noted on stderr only.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try source.openStore()
        let now = try CommandClock.now()
        let sinceDate = since.date(now: now)
        let papers = try store.papers(since: sinceDate, limit: limit)
        let total = papers.count < limit ? papers.count : try store.paperCount(since: sinceDate)
        let cut = total > papers.count ? "showing \(papers.count) of \(total) papers; use --limit N to see more" : nil
        if json {
            say(try PaperJSON.encode(papers))
            if let cut { sayError(cut) }
            return
        }
        if papers.isEmpty {
            say("No papers stored\(since.since.map { " since \($0)" } ?? ""). Run `paperboy fetch` first, or try --demo.")
            return
        }
        let idWidth = min(24, papers.map(\.id.count).max() ?? 10)
        say("\("ID".padding(idWidth))  \("UPVOTES".padding(7))  FIRST SEEN        TITLE")
        for paper in papers {
            let upvotes = paper.upvotes.map(String.init) ?? "-"
            let title = paper.title.count > 90 ? String(paper.title.prefix(89)) + "…" : paper.title
            say("\(paper.id.padding(idWidth))  \(upvotes.padding(7))  \(DisplayDate.minute(paper.firstSeenAt))  \(title)")
        }
        say(cut ?? "\(papers.count) paper\(papers.count == 1 ? "" : "s")")
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
        DateFormats.minute(date)
    }
}

extension String {
    /// Pads with spaces to exactly `width` characters; a longer text is cut
    /// and ends with "…", so a reader sees that something is missing.
    func padding(_ width: Int) -> String {
        if count == width { return self }
        if count < width { return self + String(repeating: " ", count: width - count) }
        return width < 1 ? "" : String(prefix(width - 1)) + "…"
    }
}
