import Foundation
import PaperboyCore

/// What a prune removed, or would remove.
public struct PruneReport: Sendable, Equatable {
    /// Finished outbox rows whose message body was emptied (rows deleted below are not counted here).
    public var messageBodies = 0
    /// The bytes of those bodies.
    public var messageBytes = 0
    /// Finished outbox rows deleted.
    public var outboxRows = 0
    /// Sent-log entries deleted.
    public var sentLog = 0

    public init() {}

    /// Nothing to remove.
    public var isEmpty: Bool { messageBodies == 0 && outboxRows == 0 && sentLog == 0 }
}

/// The moments before which a prune removes things.
public struct PruneCutoffs: Sendable, Equatable {
    /// Bodies of rows finished before this are emptied.
    public var messageBodies: Date
    /// Rows finished before this are deleted.
    public var outboxRows: Date
    /// Sent-log entries planned before this are deleted.
    public var sentLog: Date

    /// The cutoffs at `time` under `retention`. The sent log keeps at least
    /// `lookback`: a paper first seen inside any digest's look-back window can
    /// only have been sent inside it, so its entry stays and it is never
    /// mailed twice.
    public init(at time: Date, retention: RetentionSettings, lookback: Double) {
        messageBodies = time.addingTimeInterval(-retention.messageBodies)
        // Rows make "one digest per subscriber and period" hold; the longest period is a week.
        outboxRows = time.addingTimeInterval(-max(retention.outboxRows, 8 * 86400))
        sentLog = time.addingTimeInterval(-retention.sentLogKept(lookback: lookback))
    }
}

extension Store {
    /// Removes what `cutoffs` say is old: deletes the message bodies of
    /// finished outbox rows, deletes finished rows, deletes sent-log entries.
    /// Queued, deferred and sending rows are never touched. Works in
    /// transactions of `batch` rows so that other writers (the sender) wait
    /// at most one batch. With `dryRun`, only counts: nothing is written.
    public func prune(_ cutoffs: PruneCutoffs, dryRun: Bool, batch: Int = 5000) throws(StoreError) -> PruneReport {
        let bodies = cutoffs.messageBodies.timeIntervalSince1970
        let rows = cutoffs.outboxRows.timeIntervalSince1970
        let sent = cutoffs.sentLog.timeIntervalSince1970
        // Only rows that are over (sent, failed, cancelled), the states given as arguments.
        let states: SQLArguments = OutboxState.finished.map(\.rawValue)
        let finished = "state IN (\(SQL.placeholders(states.count))) AND finished_at IS NOT NULL"
        var report = PruneReport()
        let counted = try read { db in
            let bodyRow = try db.fetchOne(sql: """
                SELECT count(*), coalesce(sum(length(outbox_body.message)), 0) FROM outbox JOIN outbox_body ON outbox_body.outbox_id = outbox.id
                WHERE \(finished) AND finished_at < ? AND finished_at >= ?
                """, arguments: states + [bodies, rows])
            return (
                bodies: try bodyRow?.get(0, as: Int?.self) ?? 0, bytes: try bodyRow?.get(1, as: Int?.self) ?? 0,
                rows: try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox WHERE \(finished) AND finished_at < ?", arguments: states + [rows]) ?? 0,
                sent: try db.scalar(Int.self, sql: "SELECT count(*) FROM sent_paper WHERE sent_at < ?", arguments: [sent]) ?? 0
            )
        }
        report.messageBodies = counted.bodies
        report.messageBytes = counted.bytes
        report.outboxRows = counted.rows
        report.sentLog = counted.sent
        guard !dryRun else { return report }
        // The sent log's horizon first: a crash between the two leaves a
        // horizon with its entries still there, never forgotten sends
        // without a horizon.
        try write { db in
            try db.execute(sql: """
                INSERT INTO prune_horizon (log, pruned_before) VALUES ('sent_paper', ?)
                ON CONFLICT (log) DO UPDATE SET pruned_before = CASE WHEN excluded.pruned_before > prune_horizon.pruned_before
                    THEN excluded.pruned_before ELSE prune_horizon.pruned_before END
                """, arguments: [sent])
        }
        guard !report.isEmpty else { return report }
        func repeatBatches(_ sql: String, _ arguments: SQLArguments) throws(StoreError) {
            while try write({ db in try db.execute(sql: sql, arguments: arguments) }) >= batch {}
        }
        try repeatBatches("""
            DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE \(finished) AND finished_at < ? LIMIT ?)
            """, states + [rows, batch])
        // Bodies of finished rows past their age, in the body table's order:
        // a deleted body is gone, so no batch walks past it again.
        try repeatBatches("""
            DELETE FROM outbox_body WHERE outbox_id IN (
                SELECT outbox_body.outbox_id FROM outbox_body JOIN outbox ON outbox.id = outbox_body.outbox_id
                WHERE \(finished) AND finished_at < ? LIMIT ?)
            """, states + [bodies, batch])
        // By the table's key (PostgreSQL has no rowid).
        try repeatBatches("""
            DELETE FROM sent_paper WHERE (subscriber_id, paper_id) IN (SELECT subscriber_id, paper_id FROM sent_paper WHERE sent_at < ? LIMIT ?)
            """, [sent, batch])
        return report
    }

    /// Sends before this moment may have been pruned from the sent log: a
    /// paper first seen before it is no candidate any more (it may have been
    /// mailed). Nil when the sent log was never pruned.
    public func sentLogHorizon() throws(StoreError) -> Date? {
        try read { db in
            try db.scalar(Double.self, sql: "SELECT pruned_before FROM prune_horizon WHERE log = 'sent_paper'")
        }.map(Date.init(timeIntervalSince1970:))
    }
}
