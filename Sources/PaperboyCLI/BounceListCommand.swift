import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy bounce list [--since DATE] [--limit N] [--json]`
struct BounceListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the messages read from the return mailbox, newest first, with what each did."
    )

    @OptionGroup var config: ConfigOptions

    /// Messages read since then.
    @OptionGroup var since: SinceOption

    @Option(name: .long, help: "At most this many messages (the newest).")
    var limit: Int = 100

    @Flag(name: .long, help: "Print a JSON array (snake_case keys).")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let settings = try config.loadConfig()
        let store = try config.openStore(settings, readOnly: true)
        let sinceDate = since.date(now: try CommandClock.now())
        let bounces = try store.bounces(since: sinceDate, limit: limit)
        if json {
            say(try PaperJSON.encode(bounces.map(BounceJSON.init)))
            return
        }
        if bounces.isEmpty {
            say("No messages read from the return mailbox\(since.since.map { " since \($0)" } ?? ""). `paperboy bounce poll` reads it (the daemon does every bounce.interval).")
            return
        }
        for bounce in bounces { say(BounceLines.line(bounce, withSubscriber: true)) }
        let counts = Dictionary(grouping: bounces, by: \.kind).mapValues(\.count)
        say("\(bounces.count) message\(bounces.count == 1 ? "" : "s"): " + BounceKind.allCases.compactMap { kind in
            counts[kind].map { "\($0) \(kind.rawValue)" }
        }.joined(separator: ", "))
    }
}

/// How a recorded message reads on the terminal: `bounce list` and `subscriber show`.
enum BounceLines {
    static func line(_ bounce: StoredBounce, withSubscriber: Bool) -> String {
        // The status, address and diagnostic are a remote server's words: escaped for the terminal.
        var line = "\(DisplayDate.minute(bounce.processedAt))  \(bounce.kind.rawValue)"
        if let status = bounce.status { line += " \(status.debugEscaped)" }
        if withSubscriber {
            line += "  " + (bounce.subscriberEmail ?? bounce.address.map { "\($0.debugEscaped) (no subscriber)" } ?? "(no address)")
        }
        line += "  → \(outcome(bounce))"
        if let diagnostic = bounce.diagnostic { line += "\n    \(diagnostic.split(whereSeparator: \.isNewline).joined(separator: " ").debugEscaped)" }
        return line
    }

    /// What became of it: the subscriber's side, then the mailbox's.
    static func outcome(_ bounce: StoredBounce) -> String {
        let left = words(bounce.disposition)
        return "\(words(bounce.outcome)); " + (bounce.disposition == .forPerson ? "\(left): \(bounce.note.debugEscaped)" : left)
    }

    /// What a message did to its subscriber, in words (`bounce list`, `bounce poll`).
    static func words(_ outcome: BounceOutcome) -> String {
        switch outcome {
        case .paused: "paused"
        case .counted: "soft bounce counted"
        case .unsubscribed: "unsubscribed"
        case .unchanged: "nothing changed"
        }
    }

    /// Where a message is now, in words (`bounce list`, `bounce poll`).
    static func words(_ disposition: BounceDisposition) -> String {
        switch disposition {
        case .processed: "moved to the processed folder"
        case .ignored: "left in the mailbox"
        case .forPerson: "left in the mailbox, flagged for a person"
        }
    }

    /// A subscriber's history for `subscriber show`, newest first.
    static func history(_ store: Store, subscriberID: Int64) throws -> [String] {
        let bounces = try store.bounces(subscriberID: subscriberID, limit: 20)
        guard !bounces.isEmpty else { return [] }
        return ["bounces (\(bounces.count == 20 ? "last 20" : "\(bounces.count)")):"] + bounces.map { "  " + line($0, withSubscriber: false) }
    }
}

/// One recorded message as `bounce list --json` prints it.
struct BounceJSON: Encodable {
    let processed_at: String
    let kind: String
    let status: String?
    let diagnostic: String?
    let address: String?
    let subscriber: String?
    let outbox_id: Int64?
    let outcome: String
    let disposition: String
    let note: String
    let message_id: String?

    init(_ bounce: StoredBounce) {
        processed_at = DateFormats.iso8601(bounce.processedAt)
        kind = bounce.kind.rawValue
        status = bounce.status
        diagnostic = bounce.diagnostic
        address = bounce.address
        subscriber = bounce.subscriberEmail
        outbox_id = bounce.outboxID
        outcome = bounce.outcome.rawValue
        disposition = bounce.disposition.rawValue
        note = bounce.note
        message_id = bounce.messageID
    }
}
