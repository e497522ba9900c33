import Foundation
import PaperboyCore

/// What a message from the return mailbox did to its subscriber (the
/// `outcome` column; its only spelling).
public enum BounceOutcome: String, Sendable, CaseIterable {
    /// The subscriber was paused (a hard bounce, or the soft limit reached).
    case paused
    /// A soft bounce was counted; the limit is not reached.
    case counted
    /// The subscriber was unsubscribed and their queued digests cancelled.
    case unsubscribed
    /// Nothing changed: an auto-reply, a message for a person, a bounce of a
    /// confirmation mail, or a subscriber already paused or unsubscribed.
    case unchanged
}


/// One message read from the return mailbox, as it is to be recorded.
public struct BounceRecord: Sendable {
    /// The mailbox's identity of the message (`MailboxEntry.key`).
    public var key: String
    public var at: Date
    public var report: BounceReport
    public var target: BounceTarget?
    public var decision: BouncePolicy.Decision
    /// The message's Message-ID, if it has one.
    public var messageID: String?
    /// `ReceivedMessage.contentHash` of its bytes; nil when it could not be read.
    public var contentHash: String?

    public init(key: String, at: Date, report: BounceReport, target: BounceTarget?, decision: BouncePolicy.Decision, messageID: String?,
                contentHash: String?) {
        self.key = key
        self.at = at
        self.report = report
        self.target = target
        self.decision = decision
        self.messageID = messageID
        self.contentHash = contentHash
    }
}

/// A recorded message, as `bounce list` and `subscriber show` show it.
public struct StoredBounce: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var processedAt: Date
    public var kind: BounceKind
    public var subscriberID: Int64?
    /// The subscriber's address now (nil when not traced, or removed since).
    public var subscriberEmail: String?
    public var outboxID: Int64?
    public var address: String?
    public var status: String?
    public var diagnostic: String?
    public var outcome: BounceOutcome
    public var disposition: BounceDisposition
    public var note: String
    public var messageID: String?
}

/// What recording a message came to.
public enum BounceRecording: Sendable, Equatable {
    /// Recorded now, with what it did.
    case recorded(BounceOutcome)
    /// Recorded before (a poll that ended before it moved the message): nothing applied again.
    case alreadyRecorded(StoredBounce)
}

extension Store {
    /// Records `record` and applies its decision to the subscriber, in one
    /// transaction; a message whose key or bytes are recorded already applies nothing.
    ///
    /// The row goes in first (`ON CONFLICT DO NOTHING`): only the transaction
    /// whose insert returned a row applies the decision, so two Paperboys
    /// reading one mailbox apply a message once (the second waits on the
    /// first's insert, then finds it recorded).
    public func recordBounce(_ record: BounceRecord) throws(StoreError) -> BounceRecording {
        try write { db in
            let report = record.report
            // The outcome is set below, once applied; until then the row counts as nothing.
            let inserted = try db.scalar(Int64.self, sql: """
                INSERT INTO bounce (message_key, content_hash, processed_at, kind, subscriber_id, outbox_id, address, status, diagnostic,
                                    outcome, disposition, note, message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING id
                """, arguments: [record.key, record.contentHash, record.at.timeIntervalSince1970, report.kind.rawValue, record.target?.subscriberID,
                                 record.target?.outboxID, report.recipients.first, report.status, report.diagnostic,
                                 BounceOutcome.unchanged.rawValue, record.decision.disposition.rawValue, record.decision.note, record.messageID])
            guard let id = inserted else {
                guard let existing = try Self.bounces(db, where: "bounce.message_key = ? OR bounce.content_hash = ?", [record.key, record.contentHash],
                                                      limit: 1).first else {
                    throw StoreError(path: path, kind: .busy, message: "bounce \(record.key) was being recorded by another process", hint: "Try again in a moment")
                }
                return .alreadyRecorded(existing)
            }
            let outcome = try Self.apply(db, record)
            try db.execute(sql: "UPDATE bounce SET outcome = ? WHERE id = ?", arguments: [outcome.rawValue, id])
            return .recorded(outcome)
        }
    }

    private static func apply(_ db: any SQLConnection, _ record: BounceRecord) throws -> BounceOutcome {
        guard let id = record.target?.subscriberID else { return .unchanged }
        let now = record.at.timeIntervalSince1970
        func pause(_ reason: String) throws -> BounceOutcome {
            let changed = try db.execute(sql: """
                UPDATE subscriber SET paused = 1, paused_reason = ?, updated_at = ?
                WHERE id = ? AND paused = 0 AND unsubscribed_at IS NULL
                """, arguments: [reason, now, id])
            return changed > 0 ? .paused : .unchanged
        }
        switch record.decision.effect {
        case .nothing:
            return .unchanged
        case .pause(let reason):
            return try pause(reason)
        case .softBounce(let limit, let window, let reason):
            if db.dialect == .postgresql {
                // Another Paperboy may be counting this subscriber's bounces: one at a time (SQLite's writers are serialized anyway).
                _ = try db.fetchAll(sql: "SELECT id FROM subscriber WHERE id = ? FOR UPDATE", arguments: [id])
            }
            // Soft bounces count once per digest (a server that warns every
            // day about one delayed digest counts once), only those that
            // counted (not a confirmation mail's, not one left for a person),
            // within the window and since the last pause a bounce made: a
            // reader resumed after soft bounces starts again from none.
            let rows = try db.column(Int64.self, sql: """
                SELECT DISTINCT coalesce(outbox_id, -id) FROM bounce
                WHERE subscriber_id = ? AND kind = ? AND outcome IN (?, ?) AND processed_at > ?
                    AND processed_at > coalesce((SELECT max(processed_at) FROM bounce WHERE subscriber_id = ? AND outcome = ?), 0)
                """, arguments: [id, BounceKind.soft.rawValue, BounceOutcome.counted.rawValue, BounceOutcome.paused.rawValue, now - window,
                                 id, BounceOutcome.paused.rawValue])
            let this = record.target?.outboxID
            let count = rows.count + (this.map { rows.contains($0) } == true ? 0 : 1)
            guard count >= limit else { return .counted }
            let paused = try pause(reason)
            return paused == .paused ? .paused : .counted
        case .unsubscribe:
            return try recordUnsubscribe(db, id: id, at: record.at) ? .unsubscribed : .unchanged
        }
    }

    /// The recorded message with this key, if any (a poll skips what it recorded).
    public func bounce(key: String) throws(StoreError) -> StoredBounce? {
        try read { db in try Self.bounces(db, where: "bounce.message_key = ?", [key], limit: 1).first }
    }

    /// Recorded messages, newest first: since `since` (all when nil), of one
    /// subscriber when `subscriberID` is given, at most `limit`.
    public func bounces(since: Date? = nil, subscriberID: Int64? = nil, limit: Int = 1000) throws(StoreError) -> [StoredBounce] {
        var conditions = ["1 = 1"]
        var arguments: SQLArguments = []
        if let since {
            conditions.append("bounce.processed_at >= ?")
            arguments.append(since.timeIntervalSince1970)
        }
        if let subscriberID {
            conditions.append("bounce.subscriber_id = ?")
            arguments.append(subscriberID)
        }
        let filter = conditions.joined(separator: " AND ")
        let values = arguments
        return try read { db in try Self.bounces(db, where: filter, values, limit: limit) }
    }

    private static func bounces(_ db: any SQLConnection, where condition: String, _ arguments: SQLArguments, limit: Int) throws -> [StoredBounce] {
        try db.fetchAll(sql: """
            SELECT bounce.*, subscriber.email AS subscriber_email FROM bounce LEFT JOIN subscriber ON subscriber.id = bounce.subscriber_id
            WHERE \(condition) ORDER BY bounce.processed_at DESC, bounce.id DESC LIMIT ?
            """, arguments: arguments + [limit]).map { row in
            StoredBounce(id: try row.get("id"), key: try row.get("message_key"),
                         processedAt: Date(timeIntervalSince1970: try row.get("processed_at")),
                         kind: BounceKind(rawValue: try row.get("kind")) ?? .unknown, subscriberID: try row.get("subscriber_id"),
                         subscriberEmail: try row.get("subscriber_email"), outboxID: try row.get("outbox_id"), address: try row.get("address"),
                         status: try row.get("status"), diagnostic: try row.get("diagnostic"),
                         outcome: BounceOutcome(rawValue: try row.get("outcome")) ?? .unchanged,
                         disposition: BounceDisposition(rawValue: try row.get("disposition")) ?? .forPerson, note: try row.get("note"),
                         messageID: try row.get("message_id"))
        }
    }

    /// The outbox row `id`: its subscriber, the address it went to, and
    /// whether it was a digest; nil when there is no such row (pruned).
    public func outboxAddressee(id: Int64) throws(StoreError) -> (subscriberID: Int64, recipient: String, isDigest: Bool)? {
        try read { db in
            try db.fetchOne(sql: "SELECT subscriber_id, recipient, kind FROM outbox WHERE id = ?", arguments: [id]).map { row in
                (try row.get("subscriber_id"), try row.get("recipient"), (OutboxKind(rawValue: try row.get("kind")) ?? .digest) == .digest)
            }
        }
    }

    /// The one subscriber whose address is `address`, ignoring case, with
    /// their address as stored; nil when none is, or several case variants are.
    public func subscriberID(matching address: String) throws(StoreError) -> (id: Int64, email: String)? {
        try read { db in
            let rows = try db.fetchAll(sql: "SELECT id, email FROM subscriber WHERE lower(email) = lower(?) LIMIT 2", arguments: [address])
            guard rows.count == 1 else { return nil }
            return (try rows[0].get("id"), try rows[0].get("email"))
        }
    }
}
