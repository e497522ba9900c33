import Foundation
import PaperboyStore

/// How outbox rows are shown: the `outbox list` table, the deferred line
/// after `send-digest`, and the last digests in `subscriber show`.
enum OutboxSummary {
    /// One row of `outbox list --json` (snake_case keys, like subscribers).
    struct JSONRow: Encodable {
        var id: Int64
        var subscriber: String
        var state: String
        var attempts: Int
        var planned_at: Date
        /// Only for queued and deferred rows: when the row is tried next.
        var next_attempt_at: Date?
        var last_reply: String?

        init(_ entry: OutboxEntry) {
            id = entry.id
            subscriber = entry.recipient
            state = entry.state.rawValue
            attempts = entry.attempts
            planned_at = entry.plannedAt
            next_attempt_at = OutboxSummary.waits(entry) ? entry.nextAttemptAt : nil
            last_reply = entry.lastReply
        }
    }

    /// True for a row that is still to be tried.
    static func waits(_ entry: OutboxEntry) -> Bool {
        entry.state == .queued || entry.state == .deferred
    }

    /// The aligned table, a header line first.
    static func table(_ entries: [OutboxEntry]) -> [String] {
        let header = ["ID", "SUBSCRIBER", "STATE", "ATTEMPTS", "PLANNED AT", "NEXT TRY", "LAST REPLY"]
        let rows = entries.map { entry in
            [String(entry.id), entry.recipient, entry.state.rawValue, String(entry.attempts), DisplayDate.minute(entry.plannedAt),
             waits(entry) ? DisplayDate.minute(entry.nextAttemptAt) : "-", oneLine(entry.lastReply ?? "-")]
        }
        return align([header] + rows)
    }

    /// Pads every column but the last to its widest cell.
    static func align(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.offset == columns - 1 ? $0.element : $0.element.padding(widths[$0.offset]) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }

    /// A reply on one line (an SMTP reply may span several).
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// "2 digests deferred, next try … (reply); `paperboy outbox retry --all` sends them now", or nil when none waits.
    static func deferredLine(_ store: Store, at time: Date) throws -> String? {
        guard let waiting = try store.deferredWaiting(at: time) else { return nil }
        // The server's reply, without the hint that follows it ("; the server deferred ...").
        let reply = waiting.nextReply.map { " (\(oneLine($0).components(separatedBy: "; ")[0]))" } ?? ""
        return "\(waiting.count) digest\(waiting.count == 1 ? "" : "s") deferred, next try \(DisplayDate.minute(waiting.nextAttemptAt))\(reply); "
            + "`paperboy outbox retry --all` sends \(waiting.count == 1 ? "it" : "them") now"
    }

    /// The last `count` digests of one subscriber, for `subscriber show`: a title line and one line each.
    static func recentDigests(_ store: Store, subscriberID: Int64, count: Int = 5) throws -> [String] {
        let entries = try store.outboxEntries(subscriberID: subscriberID, limit: count)
        guard !entries.isEmpty else { return ["last digests: none yet"] }
        let rows = entries.map { entry in
            [DisplayDate.minute(entry.plannedAt), entry.state.rawValue,
             "\(entry.attempts) attempt\(entry.attempts == 1 ? "" : "s")", oneLine(entry.lastReply ?? "-")]
        }
        return ["last digests (planned at, state, attempts, last reply):"] + align(rows).map { "  " + $0 }
    }
}
