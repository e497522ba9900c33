import Foundation
internal import GRDB

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
    /// A digest, or one of the reader's own mails.
    public var kind: OutboxKind = .digest
}

/// What to write for one delivery attempt. The store decides nothing here:
/// when to give up and when (and with what words) to pause a subscriber is
/// the caller's delivery policy.
public enum OutboxOutcome: Sendable {
    /// Accepted by the server: the row is sent, and (for a digest) the
    /// subscriber's run of hard failures ends.
    case sent(reply: String)
    /// Try again at `retryAt`.
    case deferred(reply: String, retryAt: Date)
    /// The row failed for good without counting against the subscriber
    /// (a temporary failure that lasted too long).
    case gaveUp(reply: String)
    /// Refused for good: the row failed and the subscriber's count of hard
    /// failures in a row grows; when it reaches `pauseAfter`, they are paused
    /// with `pauseReason`.
    case failed(reply: String, pauseAfter: Int, pauseReason: String)
}

extension Store {
    /// Which of these subscribers already have a digest for the period given
    /// for them (subscriber id → period key), in one query per distinct key.
    public func plannedSubscribers(periodKeys: [Int64: String]) throws(StoreError) -> Set<Int64> {
        try sqliteRead { db in
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
    public func plan(_ digests: [PlannedDigest], at time: Date) throws(StoreError) -> Int {
        try sqliteWrite { db in
            var written = 0
            let insert = try db.cachedStatement(sql: """
                INSERT INTO outbox (subscriber_id, period_key, recipient, sender, subject, message_id, paper_ids,
                                    state, attempts, planned_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                ON CONFLICT(subscriber_id, period_key) DO NOTHING
                """)
            for digest in digests {
                try insert.execute(arguments: [
                    digest.subscriberID, digest.periodKey, digest.recipient, digest.sender, digest.subject, digest.messageID,
                    PaperRow.encode(digest.paperIDs), OutboxState.queued.stored,
                    time.timeIntervalSince1970, time.timeIntervalSince1970,
                ])
                guard db.changesCount == 1 else { continue }
                try Self.insertBody(db, outboxID: db.lastInsertedRowID, message: digest.message)
                try Self.recordSentPapers(db, subscriberID: digest.subscriberID, paperIDs: digest.paperIDs, at: time)
                written += 1
            }
            return written
        }
    }

    /// Stores the body of the outbox row `outboxID` (written once, read when claimed).
    static func insertBody(_ db: Database, outboxID: Int64, message: [UInt8]) throws {
        try db.cachedStatement(sql: "INSERT INTO outbox_body (outbox_id, message) VALUES (?, ?)")
            .execute(arguments: [outboxID, Data(message)])
    }

    /// Claims up to `limit` rows that are due (queued, or deferred and past
    /// their retry time, or held by a sender that died or whose lease ran out)
    /// for `claimer` until `leaseUntil`. A due digest of a subscriber who
    /// unsubscribed or was paused since planning is cancelled instead (a
    /// confirmation or "manage" mail is not: see `OutboxKind`). The cost
    /// grows with `limit`, not with the size of the outbox. Without
    /// `bodies`, each message comes without its bytes (read them with
    /// `outboxBody(id:)` when they are needed), and the claim is short.
    public func claimDue(limit: Int, claimer: String, at time: Date, leaseUntil: Date, bodies: Bool = true,
                         isDead: (String) -> Bool) throws(StoreError) -> [OutboxMessage] {
        try sqliteWrite { db in
            let now = time.timeIntervalSince1970
            // Rows held by a sender that is gone are due again.
            let held = try Row.fetchAll(db, sql: "SELECT id, claimed_by, lease_until FROM outbox WHERE state = ?", arguments: [OutboxState.sending.stored])
            let takeBack = try db.cachedStatement(sql: "UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?")
            for row in held {
                let claimedBy: String? = row["claimed_by"]
                let lease: Double? = row["lease_until"]
                if (lease ?? 0) < now || claimedBy.map(isDead) == true {
                    try takeBack.execute(arguments: [OutboxState.deferred.stored, row["id"] as Int64])
                }
            }
            let claim = try db.cachedStatement(sql: "UPDATE outbox SET state = ?, claimed_by = ?, lease_until = ? WHERE id = ?")
            let cancel = try db.cachedStatement(sql: "UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?")
            var claimed: [OutboxMessage] = []
            // Until some row is claimed or none is due: a batch may be all cancelled rows.
            while claimed.isEmpty {
                let candidates = try Self.dueRows(db, at: now, limit: limit, bodies: bodies)
                if candidates.isEmpty { break }
                for candidate in candidates {
                    if candidate.subscriberStopped && candidate.message.kind == .digest {
                        try cancel.execute(arguments: [OutboxState.cancelled.stored, now,
                                                       "not sent: the subscriber unsubscribed or was paused before it went out", candidate.message.id])
                    } else {
                        try claim.execute(arguments: [OutboxState.sending.stored, claimer, leaseUntil.timeIntervalSince1970, candidate.message.id])
                        claimed.append(candidate.message)
                    }
                }
            }
            return claimed
        }
    }

    /// The first `limit` due rows (queued, or deferred and past their retry
    /// time) in order of due time, with their bodies if asked, and whether
    /// their subscriber unsubscribed or was paused. One index walk per
    /// state, in the index's order (state, next_attempt_at, id): no sort of
    /// every due row, however many there are.
    private static func dueRows(_ db: Database, at now: Double, limit: Int, bodies: Bool) throws -> [(message: OutboxMessage, subscriberStopped: Bool)] {
        let select = try db.cachedStatement(sql: """
            SELECT outbox.id, subscriber_id, recipient, sender, \(bodies ? "coalesce(outbox_body.message, x'')" : "x''") AS message, attempts, planned_at, kind,
                   next_attempt_at, (subscriber.unsubscribed_at IS NOT NULL OR subscriber.paused) AS stopped
            FROM outbox INDEXED BY outbox_due
                \(bodies ? "LEFT JOIN outbox_body ON outbox_body.outbox_id = outbox.id" : "")
                JOIN subscriber ON subscriber.id = outbox.subscriber_id
            WHERE state = ? AND next_attempt_at <= ?
            ORDER BY next_attempt_at, outbox.id LIMIT ?
            """)
        var rows: [(due: Double, message: OutboxMessage, stopped: Bool)] = []
        for state in OutboxState.waiting {
            for row in try Row.fetchAll(select, arguments: [state.stored, now, limit]) {
                rows.append((row["next_attempt_at"], OutboxMessage(
                    id: row["id"], subscriberID: row["subscriber_id"], recipient: row["recipient"], sender: row["sender"],
                    message: try Self.bytes(row, "message"), attempts: row["attempts"], plannedAt: Date(timeIntervalSince1970: row["planned_at"]),
                    kind: OutboxKind(stored: row["kind"]) ?? .digest
                ), row["stopped"]))
            }
        }
        rows.sort { ($0.due, $0.message.id) < ($1.due, $1.message.id) }
        return rows.prefix(limit).map { ($0.message, $0.stopped) }
    }

    /// The bytes of the outbox row `id`'s message (empty when it has none),
    /// read without a write lock: for a sender that claimed rows without
    /// their bodies.
    public func outboxBody(id: Int64) throws(StoreError) -> [UInt8] {
        try sqliteRead { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT message FROM outbox_body WHERE outbox_id = ?"), arguments: [id]) else { return [] }
            return try Self.bytes(row, "message")
        }
    }

    /// A blob column's bytes, copied once from SQLite's buffer (a `Data` and
    /// then an array would copy twice).
    static func bytes(_ row: Row, _ column: String) throws -> [UInt8] {
        try row.withUnsafeData(named: column) { data in
            guard let data else { return [] }
            return data.withUnsafeBytes { Array($0.bindMemory(to: UInt8.self)) }
        }
    }

    /// Records the outcome of one attempt as told, and returns the row's new
    /// state. A database that stays busy (another process holds the write
    /// lock past the busy timeout) throws a `StoreError` whose `isTemporary`
    /// is true: try again.
    public func record(_ outcome: OutboxOutcome, for message: OutboxMessage, at time: Date) throws(StoreError) -> OutboxState {
        try record([(outcome, message)], at: time)[0]
    }

    /// Records several outcomes in one transaction (the messages that ended
    /// together on different connections), all or none; returns each row's
    /// new state, in order.
    public func record(_ outcomes: [(OutboxOutcome, OutboxMessage)], at time: Date) throws(StoreError) -> [OutboxState] {
        try sqliteWrite { db in
            try outcomes.map { outcome, message in try Self.record(db, outcome, for: message, at: time) }
        }
    }

    private static func record(_ db: Database, _ outcome: OutboxOutcome, for message: OutboxMessage, at time: Date) throws -> OutboxState {
        let now = time.timeIntervalSince1970
        func finish(_ state: OutboxState, _ reply: String) throws {
            try db.cachedStatement(sql: "UPDATE outbox SET state = ?, attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?")
                .execute(arguments: [state.stored, reply, now, message.id])
        }
        // Only digests count for or against a subscriber's run of hard
        // failures: a confirmation or "manage" mail someone asked for on
        // the subscribe page (perhaps for an address that does not exist)
        // pauses nobody, and one a stranger had sent to a bouncing
        // address (accepted by a relay) does not end its run.
        func isDigest() throws -> Bool {
            let kind = try DatabaseValue.fetchOne(db.cachedStatement(sql: "SELECT kind FROM outbox WHERE id = ?"), arguments: [message.id])
            return kind.flatMap({ OutboxKind(stored: $0) }) ?? .digest == .digest
        }
        switch outcome {
        case .sent(let reply):
            try finish(.sent, reply)
            if try isDigest() {
                try db.cachedStatement(sql: "UPDATE subscriber SET hard_failures = 0 WHERE id = ? AND hard_failures > 0").execute(arguments: [message.subscriberID])
            }
            return .sent
        case .deferred(let reply, let retryAt):
            try db.execute(sql: "UPDATE outbox SET state = ?, attempts = attempts + 1, last_reply = ?, next_attempt_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?",
                           arguments: [OutboxState.deferred.stored, reply, retryAt.timeIntervalSince1970, message.id])
            return .deferred
        case .gaveUp(let reply):
            try finish(.failed, reply)
            return .failed
        case .failed(let reply, let pauseAfter, let pauseReason):
            try finish(.failed, reply)
            guard try isDigest() else { return .failed }
            try db.execute(sql: "UPDATE subscriber SET hard_failures = hard_failures + 1 WHERE id = ?", arguments: [message.subscriberID])
            try db.execute(sql: """
                UPDATE subscriber SET paused = 1, paused_reason = ?, updated_at = ?
                WHERE id = ? AND hard_failures >= ? AND NOT paused
                """, arguments: [pauseReason, now, message.subscriberID, pauseAfter])
            return .failed
        }
    }

    /// Hands these claimed rows back, due at their retry time as before.
    public func release(ids: [Int64]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try sqliteWrite { db in
            let statement = try db.cachedStatement(sql: "UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL WHERE state = ? AND id = ?")
            for id in ids { try statement.execute(arguments: [OutboxState.deferred.stored, OutboxState.sending.stored, id]) }
        }
    }

    /// Cancels these rows (claimed, queued or deferred), with `reason` as their last reply.
    public func cancel(ids: [Int64], reason: String, at time: Date) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try sqliteWrite { db in
            let unfinished = OutboxState.list(OutboxState.unfinished)
            let statement = try db.cachedStatement(sql: """
                UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND state IN (\(unfinished.sql))
                """)
            for id in ids {
                try statement.execute(arguments: [OutboxState.cancelled.stored, time.timeIntervalSince1970, reason, id] + unfinished.arguments)
            }
        }
    }

    /// The earliest moment a queued or deferred row comes due, or nil when none waits.
    public func nextDueTime() throws(StoreError) -> Date? {
        try sqliteRead { db in
            let waiting = OutboxState.list(OutboxState.waiting)
            return try Double.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM outbox WHERE state IN (\(waiting.sql))", arguments: waiting.arguments)
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// How many rows are due to be sent at `time`.
    public func dueCount(at time: Date) throws(StoreError) -> Int {
        try sqliteRead { db in
            let waiting = OutboxState.list(OutboxState.waiting)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE state IN (\(waiting.sql)) AND next_attempt_at <= ?",
                                    arguments: waiting.arguments + [time.timeIntervalSince1970]) ?? 0
        }
    }

    /// How many rows are in each state (states with none are left out). Reads
    /// the counts the v8 triggers keep: six rows, however large the outbox.
    public func outboxCounts() throws(StoreError) -> [OutboxState: Int] {
        try sqliteRead { db in
            var counts: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count FROM outbox_state_count WHERE count > 0") {
                if let state = OutboxState(stored: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// The same counts, counted from the rows themselves (what `outboxCounts`
    /// did before v8; for benchmarks and checks).
    public func outboxCountsByScan() throws(StoreError) -> [OutboxState: Int] {
        try sqliteRead { db in
            var counts: [OutboxState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM outbox GROUP BY state") {
                if let state = OutboxState(stored: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// When each of a subscriber's digests was planned, oldest first.
    public func plannedTimes(subscriberID: Int64) throws(StoreError) -> [Date] {
        try sqliteRead { db in
            try Double.fetchAll(db, sql: "SELECT planned_at FROM outbox WHERE subscriber_id = ? ORDER BY planned_at", arguments: [subscriberID])
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// One subscriber's outbox rows, newest first: (row id, period, state, attempts, last reply).
    public func outboxRows(subscriberID: Int64) throws(StoreError) -> [(id: Int64, periodKey: String, state: OutboxState, attempts: Int, lastReply: String?)] {
        try sqliteRead { db in
            try Row.fetchAll(db, sql: "SELECT id, period_key, state, attempts, last_reply FROM outbox WHERE subscriber_id = ? ORDER BY id DESC", arguments: [subscriberID])
                .map { ($0[0], $0[1], OutboxState(stored: $0[2]) ?? .queued, $0[3], $0[4]) }
        }
    }
}
