import Foundation
import GRDB

/// A digest planned for one subscriber and one schedule period.
public struct PlannedDigest: Sendable {
    public var subscriberID: Int64
    public var periodKey: String
    public var recipient: String
    public var sender: String
    public var subject: String
    public var messageID: String
    public var message: [UInt8]
    public var paperIDs: [String]

    public init(subscriberID: Int64, periodKey: String, recipient: String, sender: String, subject: String, messageID: String, message: [UInt8], paperIDs: [String]) {
        self.subscriberID = subscriberID
        self.periodKey = periodKey
        self.recipient = recipient
        self.sender = sender
        self.subject = subject
        self.messageID = messageID
        self.message = message
        self.paperIDs = paperIDs
    }
}

/// An outbox row claimed for sending.
public struct OutboxMessage: Sendable {
    public var id: Int64
    public var subscriberID: Int64
    public var recipient: String
    public var sender: String
    public var message: [UInt8]
    public var attempts: Int
    public var plannedAt: Date
}

/// Delivery state of an outbox row.
public enum OutboxState: String, Sendable, CaseIterable {
    case queued, sending, sent, deferred, failed, cancelled
}

/// What happened to one attempt, as the sender saw it.
public enum DeliveryResult: Sendable {
    case sent(reply: String)
    /// Retry at `retryAt`, unless the row is older than the give-up age.
    case deferred(reply: String, retryAt: Date)
    case failed(reply: String)
}

/// Retry and pause rules (`smtp.retry`, `smtp.pause_after_failures`).
public struct DeliveryPolicy: Sendable {
    public var giveUpAfter: Double
    public var pauseAfterFailures: Int

    public init(giveUpAfter: Double = 3 * 86400, pauseAfterFailures: Int = 3) {
        self.giveUpAfter = giveUpAfter
        self.pauseAfterFailures = pauseAfterFailures
    }
}

extension Store {
    /// Which of these subscribers already have a digest for the period given
    /// for them (subscriber id → period key), in one query per distinct key.
    public func plannedSubscribers(periodKeys: [Int64: String]) throws -> Set<Int64> {
        try writer.read { db in
            var planned = Set<Int64>()
            for key in Set(periodKeys.values) {
                let rows = try Int64.fetchCursor(db, sql: "SELECT subscriber_id FROM outbox WHERE period_key = ?", arguments: [key])
                while let id = try rows.next() {
                    if periodKeys[id] == key { planned.insert(id) }
                }
            }
            return planned
        }
    }

    /// Writes planned digests: for each, its outbox row and its papers in the
    /// sent log, in one transaction. A digest whose period already has a row
    /// (another process planned it first) is skipped, papers and all.
    /// Returns how many were written.
    @discardableResult
    public func plan(_ digests: [PlannedDigest], at time: Date) throws -> Int {
        try writer.write { db in
            var written = 0
            let insert = try db.cachedStatement(sql: """
                INSERT INTO outbox (subscriber_id, period_key, recipient, sender, subject, message_id, message, paper_ids,
                                    state, attempts, planned_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)
                ON CONFLICT(subscriber_id, period_key) DO NOTHING
                """)
            for digest in digests {
                try insert.execute(arguments: [
                    digest.subscriberID, digest.periodKey, digest.recipient, digest.sender, digest.subject, digest.messageID,
                    Data(digest.message), PaperRow.encode(digest.paperIDs), time.timeIntervalSince1970, time.timeIntervalSince1970,
                ])
                guard db.changesCount == 1 else { continue }
                try Self.recordSentPapers(db, subscriberID: digest.subscriberID, paperIDs: digest.paperIDs, at: time)
                written += 1
            }
            return written
        }
    }

    /// Claims up to `limit` rows that are due (queued, or deferred and past
    /// their retry time, or held by a sender that died or whose lease ran out)
    /// for `claimer` until `leaseUntil`. Rows of subscribers who unsubscribed
    /// or were paused since planning are cancelled instead.
    public func claimDue(limit: Int, claimer: String, at time: Date, leaseUntil: Date, isDead: (String) -> Bool) throws -> [OutboxMessage] {
        try writer.write { db in
            let now = time.timeIntervalSince1970
            try db.execute(sql: """
                UPDATE outbox SET state = 'cancelled', finished_at = ?, last_reply = 'not sent: the subscriber unsubscribed or was paused before it went out',
                    claimed_by = NULL, lease_until = NULL
                WHERE state IN ('queued', 'deferred', 'sending') AND subscriber_id IN
                    (SELECT id FROM subscriber WHERE unsubscribed_at IS NOT NULL OR paused)
                """, arguments: [now])
            // Rows held by a sender that is gone are due again.
            let held = try Row.fetchAll(db, sql: "SELECT id, claimed_by, lease_until FROM outbox WHERE state = 'sending'")
            for row in held {
                let claimedBy: String? = row["claimed_by"]
                let lease: Double? = row["lease_until"]
                if (lease ?? 0) < now || claimedBy.map(isDead) == true {
                    try db.execute(sql: "UPDATE outbox SET state = 'deferred', claimed_by = NULL, lease_until = NULL WHERE id = ?", arguments: [row["id"] as Int64])
                }
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, subscriber_id, recipient, sender, message, attempts, planned_at FROM outbox
                WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?
                ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [now, limit])
            var claimed: [OutboxMessage] = []
            for row in rows {
                let id: Int64 = row["id"]
                try db.execute(sql: "UPDATE outbox SET state = 'sending', claimed_by = ?, lease_until = ? WHERE id = ?",
                               arguments: [claimer, leaseUntil.timeIntervalSince1970, id])
                let data: Data = row["message"]
                claimed.append(OutboxMessage(
                    id: id, subscriberID: row["subscriber_id"], recipient: row["recipient"], sender: row["sender"],
                    message: Array(data), attempts: row["attempts"], plannedAt: Date(timeIntervalSince1970: row["planned_at"])
                ))
            }
            return claimed
        }
    }

    /// Records the outcome of one attempt. A database that stays busy (another
    /// process holds the write lock past the busy timeout) throws a
    /// `StoreError` whose `isTemporary` is true: try again.
    public func record(_ result: DeliveryResult, for message: OutboxMessage, at time: Date, policy: DeliveryPolicy) throws -> OutboxState {
        try busyIsTemporary { try recordWrite(result, for: message, at: time, policy: policy) }
    }

    private func recordWrite(_ result: DeliveryResult, for message: OutboxMessage, at time: Date, policy: DeliveryPolicy) throws -> OutboxState {
        try writer.write { db in
            let now = time.timeIntervalSince1970
            switch result {
            case .sent(let reply):
                try db.execute(sql: "UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?",
                               arguments: [reply, now, message.id])
                try db.execute(sql: "UPDATE subscriber SET hard_failures = 0 WHERE id = ? AND hard_failures > 0", arguments: [message.subscriberID])
                return .sent
            case .deferred(let reply, let retryAt):
                if time.timeIntervalSince(message.plannedAt) >= policy.giveUpAfter {
                    try db.execute(sql: "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?",
                                   arguments: ["gave up after \(Int(policy.giveUpAfter / 3600)) hours; last reply: \(reply)", now, message.id])
                    return .failed
                }
                try db.execute(sql: "UPDATE outbox SET state = 'deferred', attempts = attempts + 1, last_reply = ?, next_attempt_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?",
                               arguments: [reply, retryAt.timeIntervalSince1970, message.id])
                return .deferred
            case .failed(let reply):
                try db.execute(sql: "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?",
                               arguments: [reply, now, message.id])
                try db.execute(sql: "UPDATE subscriber SET hard_failures = hard_failures + 1 WHERE id = ?", arguments: [message.subscriberID])
                try db.execute(sql: """
                    UPDATE subscriber SET paused = 1, paused_reason = ?, updated_at = ?
                    WHERE id = ? AND hard_failures >= ? AND NOT paused
                    """, arguments: ["\(policy.pauseAfterFailures) digests in a row failed for good; last reply: \(reply)", now, message.subscriberID, policy.pauseAfterFailures])
                return .failed
            }
        }
    }

    /// Hands these claimed rows back, due at their retry time as before.
    public func release(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE outbox SET state = 'deferred', claimed_by = NULL, lease_until = NULL WHERE state = 'sending' AND id = ?")
            for id in ids { try statement.execute(arguments: [id]) }
        }
    }

    /// Cancels these rows (claimed, queued or deferred), with `reason` as their last reply.
    public func cancel(ids: [Int64], reason: String, at time: Date) throws {
        guard !ids.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE outbox SET state = 'cancelled', finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND state IN ('queued', 'deferred', 'sending')
                """)
            for id in ids { try statement.execute(arguments: [time.timeIntervalSince1970, reason, id]) }
        }
    }

    /// The earliest moment a queued or deferred row comes due, or nil when none waits.
    public func nextDueTime() throws -> Date? {
        try writer.read { db in
            try Double.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM outbox WHERE state IN ('queued', 'deferred')")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// How many rows are due to be sent at `time`.
    public func dueCount(at time: Date) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE state IN ('queued', 'deferred') AND next_attempt_at <= ?",
                             arguments: [time.timeIntervalSince1970]) ?? 0
        }
    }

    /// How many rows are in each state (states with none are left out). Reads
    /// the counts the v8 triggers keep: six rows, however large the outbox.
    public func outboxCounts() throws -> [OutboxState: Int] {
        try writer.read { db in
            var counts: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count FROM outbox_state_count WHERE count > 0") {
                if let state = OutboxState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// The same counts, counted from the rows themselves (what `outboxCounts`
    /// did before v8; for benchmarks and checks).
    public func outboxCountsByScan() throws -> [OutboxState: Int] {
        try writer.read { db in
            var counts: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM outbox GROUP BY state") {
                if let state = OutboxState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// When each of a subscriber's digests was planned, oldest first.
    public func plannedTimes(subscriberID: Int64) throws -> [Date] {
        try writer.read { db in
            try Double.fetchAll(db, sql: "SELECT planned_at FROM outbox WHERE subscriber_id = ? ORDER BY planned_at", arguments: [subscriberID])
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// One subscriber's outbox rows, newest first: (period, state, attempts, last reply).
    public func outboxRows(subscriberID: Int64) throws -> [(periodKey: String, state: OutboxState, attempts: Int, lastReply: String?)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT period_key, state, attempts, last_reply FROM outbox WHERE subscriber_id = ? ORDER BY id DESC", arguments: [subscriberID])
                .map { ($0[0], OutboxState(rawValue: $0[1]) ?? .queued, $0[2], $0[3]) }
        }
    }
}
