import Foundation

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
    /// Who claimed it (set by `claimDue`): its outcome is written only while
    /// that claimer still holds the row, so a sender whose lease ran out
    /// (stalled, cut off) never overwrites the sender that took it over.
    public var claimedBy: String?
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
        try read { db in
            var planned = Set<Int64>()
            for key in Set(periodKeys.values) {
                try db.forEachRow(sql: "SELECT subscriber_id FROM outbox WHERE period_key = ?", arguments: [key]) { row in
                    let id: Int64 = try row.get(0)
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
    ///
    /// On PostgreSQL, a planner inserting a period another planner has
    /// inserted but not yet committed waits for that transaction, then
    /// skips the digest (no row comes back from the insert).
    @discardableResult
    public func plan(_ digests: [PlannedDigest], at time: Date) throws(StoreError) -> Int {
        try write { db in
            var written = 0
            // A few statements per chunk of digests, not three per digest:
            // on PostgreSQL each statement is a round trip.
            for start in stride(from: 0, to: digests.count, by: Self.planChunk) {
                let chunk = digests[start..<min(digests.count, start + Self.planChunk)]
                var arguments: SQLArguments = []
                arguments.reserveCapacity(chunk.count * 10)
                for digest in chunk {
                    arguments += [digest.subscriberID, digest.periodKey, digest.recipient, digest.sender, digest.subject, digest.messageID,
                                  PaperRow.encode(digest.paperIDs), OutboxState.queued.rawValue, time.timeIntervalSince1970, time.timeIntervalSince1970]
                }
                // Rows come back only for the digests this insert wrote (one per subscriber and period).
                var inserted: [String: Int64] = [:]
                for row in try db.fetchAll(sql: Self.planInserts[chunk.count], arguments: arguments) {
                    inserted["\(try row.get("subscriber_id", as: Int64.self))|\(try row.get("period_key", as: String.self))"] = try row.get("id")
                }
                let new = chunk.compactMap { digest in inserted["\(digest.subscriberID)|\(digest.periodKey)"].map { (id: $0, digest: digest) } }
                try Self.insertBodies(db, new.map { ($0.id, $0.digest.message) })
                try Self.recordSentPapers(db, new.flatMap { entry in entry.digest.paperIDs.map { (entry.digest.subscriberID, $0) } }, at: time)
                written += new.count
            }
            return written
        }
    }

    /// Digests written by one insert, at most.
    static let planChunk = 50

    /// The outbox insert of `n` rows, at index `n`: a fixed set of statement texts.
    private static let planInserts: [String] = (0...planChunk).map { count in
        """
        INSERT INTO outbox (subscriber_id, period_key, recipient, sender, subject, message_id, paper_ids,
                            state, attempts, planned_at, next_attempt_at)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)", count: count).joined(separator: ", "))
        ON CONFLICT (subscriber_id, period_key) DO NOTHING
        RETURNING id, subscriber_id, period_key
        """
    }

    /// Stores bodies of new outbox rows (written once, read when claimed), a few to a statement.
    static func insertBodies(_ db: any SQLConnection, _ bodies: [(outboxID: Int64, message: [UInt8])]) throws {
        for start in stride(from: 0, to: bodies.count, by: bodiesPerStatement) {
            let slice = bodies[start..<min(bodies.count, start + bodiesPerStatement)]
            var arguments: SQLArguments = []
            arguments.reserveCapacity(slice.count * 2)
            for body in slice {
                arguments.append(body.outboxID)
                arguments.append(body.message)
            }
            try db.execute(sql: bodyInserts[slice.count], arguments: arguments)
        }
    }

    /// Bodies (20-30 KB each) written by one statement, at most.
    static let bodiesPerStatement = 10

    private static let bodyInserts: [String] = (0...bodiesPerStatement).map { count in
        "INSERT INTO outbox_body (outbox_id, message) VALUES " + Array(repeating: "(?, ?)", count: count).joined(separator: ", ")
    }

    /// Stores the body of the outbox row `outboxID` (written once, read when claimed).
    static func insertBody(_ db: any SQLConnection, outboxID: Int64, message: [UInt8]) throws {
        try insertBodies(db, [(outboxID, message)])
    }

    /// Claims up to `limit` rows that are due (queued, or deferred and past
    /// their retry time, or held by a sender that died or whose lease ran out)
    /// for `claimer` until `leaseUntil`. A due digest of a subscriber who
    /// unsubscribed or was paused since planning is cancelled instead (a
    /// confirmation or "manage" mail is not: see `OutboxKind`). The cost
    /// grows with `limit`, not with the size of the outbox. Without
    /// `bodies`, each message comes without its bytes (read them with
    /// `outboxBody(id:)` when they are needed), and the claim is short.
    ///
    /// Several Paperboys may claim from one PostgreSQL at once: each due row
    /// is locked as it is read and rows another claim holds are skipped, so
    /// two claims never take the same row and never wait for each other; a
    /// row is taken back from a gone sender only as it was read (see below).
    public func claimDue(limit: Int, claimer: String, at time: Date, leaseUntil: Date, bodies: Bool = true,
                         isDead: (String) -> Bool) throws(StoreError) -> [OutboxMessage] {
        try write { db in
            let now = time.timeIntervalSince1970
            // Rows held by a sender that is gone are due again.
            let held = try db.fetchAll(sql: "SELECT id, claimed_by, lease_until FROM outbox WHERE state = ? ORDER BY id",
                                       arguments: [OutboxState.sending.rawValue])
            let takeBack = Self.takeBackSQL(db.dialect)
            for row in held {
                let claimedBy: String? = try row.get("claimed_by")
                let lease: Double? = try row.get("lease_until")
                if (lease ?? 0) < now || claimedBy.map(isDead) == true {
                    try db.execute(sql: takeBack, arguments: [OutboxState.deferred.rawValue, try row.get("id", as: Int64.self),
                                                              OutboxState.sending.rawValue, claimedBy, lease])
                }
            }

            let cancel = "UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?"
            var claimed: [OutboxMessage] = []
            // Until some row is claimed or none is due: a batch may be all cancelled rows.
            while claimed.isEmpty {
                let candidates = try Self.dueRows(db, at: now, limit: limit, bodies: bodies)
                if candidates.isEmpty { break }
                for candidate in candidates {
                    if candidate.subscriberStopped && candidate.message.kind == .digest {
                        try db.execute(sql: cancel, arguments: [OutboxState.cancelled.rawValue, now,
                                                                "not sent: the subscriber unsubscribed or was paused before it went out", candidate.message.id])
                    } else {
                        var message = candidate.message
                        message.claimedBy = claimer
                        claimed.append(message)
                    }
                }
                // One statement for the whole batch (one round trip on PostgreSQL).
                for start in stride(from: 0, to: claimed.count, by: Self.claimChunk) {
                    let ids = claimed[start..<min(claimed.count, start + Self.claimChunk)].map(\.id)
                    try db.execute(sql: "UPDATE outbox SET state = ?, claimed_by = ?, lease_until = ? WHERE id IN (\(SQL.placeholders(ids.count)))",
                                   arguments: [OutboxState.sending.rawValue, claimer, leaseUntil.timeIntervalSince1970] + ids.map { $0 as any SQLBindable })
                }
            }
            return claimed
        }
    }

    /// Rows claimed by one statement, at most (SQLite binds up to 32,766 values).
    static let claimChunk = 500

    /// Takes a row back from a gone sender (arguments: the new state, the
    /// id, then the state, claimer and lease it was read with): only while
    /// it is still as read, since another Paperboy may have taken it back,
    /// or its sender recorded it, in the meantime.
    private static func takeBackSQL(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            return """
                UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND state = ? AND claimed_by IS NOT DISTINCT FROM ? AND lease_until IS NOT DISTINCT FROM ?
                """
        case .postgresql:
            // A row another transaction holds (a sender recording it, another
            // claim taking it back) is skipped rather than waited for.
            return """
                UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = (SELECT id FROM outbox
                            WHERE id = ? AND state = ? AND claimed_by IS NOT DISTINCT FROM ? AND lease_until IS NOT DISTINCT FROM ?
                            FOR UPDATE SKIP LOCKED)
                """
        }
    }

    /// The first `limit` due rows (queued, or deferred and past their retry
    /// time) in order of due time, with their bodies if asked, and whether
    /// their subscriber unsubscribed or was paused. One index walk per
    /// state, in the index's order (state, next_attempt_at, id): no sort of
    /// every due row, however many there are.
    private static func dueRows(_ db: any SQLConnection, at now: Double, limit: Int, bodies: Bool) throws -> [(message: OutboxMessage, subscriberStopped: Bool)] {
        // SQLite: the index named, no lock (its writes are serialized).
        // PostgreSQL has no INDEXED BY; each outbox row is locked as it is
        // read and rows another claim holds are skipped (OF outbox: the
        // body's side of the LEFT JOIN may be NULL, which cannot be locked).
        let sqlite = db.dialect == .sqlite
        let sql = """
            SELECT outbox.id, subscriber_id, recipient, sender, \(bodies ? "outbox_body.message" : "NULL") AS message, attempts, planned_at, kind,
                   next_attempt_at, (subscriber.unsubscribed_at IS NOT NULL OR subscriber.paused <> 0) AS stopped
            FROM outbox\(sqlite ? " INDEXED BY outbox_due" : "")
                \(bodies ? "LEFT JOIN outbox_body ON outbox_body.outbox_id = outbox.id" : "")
                JOIN subscriber ON subscriber.id = outbox.subscriber_id
            WHERE state = ? AND next_attempt_at <= ?
            ORDER BY next_attempt_at, outbox.id LIMIT ?\(sqlite ? "" : " FOR UPDATE OF outbox SKIP LOCKED")
            """
        var rows: [(due: Double, message: OutboxMessage, stopped: Bool)] = []
        for state in OutboxState.waiting {
            for row in try db.fetchAll(sql: sql, arguments: [state.rawValue, now, limit]) {
                // No body (none asked for, or none stored) reads as no bytes.
                let message = OutboxMessage(
                    id: try row.get("id"), subscriberID: try row.get("subscriber_id"), recipient: try row.get("recipient"), sender: try row.get("sender"),
                    message: try row.get("message"), attempts: try row.get("attempts"), plannedAt: Date(timeIntervalSince1970: try row.get("planned_at")),
                    kind: try row.get("kind", as: String?.self).flatMap(OutboxKind.init(rawValue:)) ?? .digest
                )
                rows.append((try row.get("next_attempt_at"), message, try row.get("stopped")))
            }
        }
        rows.sort { ($0.due, $0.message.id) < ($1.due, $1.message.id) }
        return rows.prefix(limit).map { ($0.message, $0.stopped) }
    }

    /// The bytes of the outbox row `id`'s message (empty when it has none),
    /// read without a write lock: for a sender that claimed rows without
    /// their bodies.
    public func outboxBody(id: Int64) throws(StoreError) -> [UInt8] {
        try readOne { db in
            try db.fetchOne(sql: "SELECT message FROM outbox_body WHERE outbox_id = ?", arguments: [id])?.get("message") ?? []
        }
    }

    /// The body of row `id` for the sender about to send it: only while
    /// `claimer` still holds it (state sending, its name on it). A sender
    /// that stalled past its lease finds another holds the row and sends
    /// nothing (a `StoreError` of kind `.constraint`: the row is not its own).
    public func claimedBody(id: Int64, claimer: String) throws(StoreError) -> [UInt8] {
        let row = try readOne { db in
            try db.fetchOne(sql: """
                SELECT outbox.state, outbox.claimed_by, outbox_body.message
                FROM outbox LEFT JOIN outbox_body ON outbox_body.outbox_id = outbox.id
                WHERE outbox.id = ?
                """, arguments: [id])
        }
        do {
            guard let row, try row.get("state", as: String.self) == OutboxState.sending.rawValue,
                  try row.get("claimed_by", as: String?.self) == claimer else {
                throw StoreError(path: path, kind: .constraint, message: "outbox row \(id) is no longer held by \(claimer) (its lease ran out and another sender took it)",
                                 hint: "Nothing was sent for it by this sender")
            }
            return try row.get("message", as: [UInt8].self)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: path, kind: .corrupt, message: "outbox row \(id) cannot be read: \(error)", hint: "Check that the database was made by this version")
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
    ///
    /// An outcome is written only while the row has the attempts it had when
    /// claimed (every recorded outcome counts one; claiming a row or taking
    /// it back counts none). When another sender recorded one since (this
    /// sender's lease ran out and another Paperboy took the row), that
    /// outcome stands: the row and its subscriber are left as they are, and
    /// the row's state is returned.
    public func record(_ outcomes: [(OutboxOutcome, OutboxMessage)], at time: Date) throws(StoreError) -> [OutboxState] {
        try write { db in
            try outcomes.map { outcome, message in try Self.record(db, outcome, for: message, at: time) }
        }
    }

    private static func record(_ db: any SQLConnection, _ outcome: OutboxOutcome, for message: OutboxMessage, at time: Date) throws -> OutboxState {
        let now = time.timeIntervalSince1970
        // Written only while the row is as claimed: no outcome recorded since,
        // and (for a message from `claimDue`) still held by its claimer.
        let held = message.claimedBy == nil ? "id = ? AND attempts = ?" : "id = ? AND attempts = ? AND claimed_by = ?"
        let heldArguments: SQLArguments = message.claimedBy.map { [message.id, message.attempts, $0] } ?? [message.id, message.attempts]
        func finish(_ state: OutboxState, _ reply: String) throws -> Int {
            try db.execute(sql: """
                UPDATE outbox SET state = ?, attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL
                WHERE \(held)
                """, arguments: [state.rawValue, reply, now] + heldArguments)
        }
        // The state another sender's outcome left, when this update (which
        // changed `changed` rows) found the row recorded since the claim;
        // nil when it was written, or the row is gone (as before: nothing to write).
        func standing(_ changed: Int) throws -> OutboxState? {
            guard changed == 0, let state = try db.scalar(String.self, sql: "SELECT state FROM outbox WHERE id = ?", arguments: [message.id]) else { return nil }
            return OutboxState(rawValue: state) ?? .queued
        }
        // Only digests count for or against a subscriber's run of hard
        // failures: a confirmation or "manage" mail someone asked for on
        // the subscribe page (perhaps for an address that does not exist)
        // pauses nobody, and one a stranger had sent to a bouncing
        // address (accepted by a relay) does not end its run.
        func isDigest() throws -> Bool {
            let kind = try db.scalar(String.self, sql: "SELECT kind FROM outbox WHERE id = ?", arguments: [message.id])
            return kind.flatMap({ OutboxKind(rawValue: $0) }) ?? .digest == .digest
        }
        switch outcome {
        case .sent(let reply):
            // A message the server accepted is recorded as sent whatever
            // another sender recorded since (a late "deferred" of one whose
            // lease ran out must not send it again); only a second "sent" is refused.
            // The row's kind comes back with the update: one round trip, not two.
            let updated = try db.fetchAll(sql: """
                UPDATE outbox SET state = ?, attempts = attempts + 1, last_reply = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND (attempts = ? OR state <> ?)
                RETURNING kind
                """, arguments: [OutboxState.sent.rawValue, reply, now, message.id, message.attempts, OutboxState.sent.rawValue])
            if let state = try standing(updated.count) { return state }
            if try updated.first.map({ OutboxKind(rawValue: try $0.get("kind")) ?? .digest }) == .digest {
                try db.execute(sql: "UPDATE subscriber SET hard_failures = 0 WHERE id = ? AND hard_failures > 0", arguments: [message.subscriberID])
            }
            return .sent
        case .deferred(let reply, let retryAt):
            let changed = try db.execute(sql: """
                UPDATE outbox SET state = ?, attempts = attempts + 1, last_reply = ?, next_attempt_at = ?, claimed_by = NULL, lease_until = NULL
                WHERE \(held)
                """, arguments: [OutboxState.deferred.rawValue, reply, retryAt.timeIntervalSince1970] + heldArguments)
            if let state = try standing(changed) { return state }
            return .deferred
        case .gaveUp(let reply):
            if let state = try standing(finish(.failed, reply)) { return state }
            return .failed
        case .failed(let reply, let pauseAfter, let pauseReason):
            if let state = try standing(finish(.failed, reply)) { return state }
            guard try isDigest() else { return .failed }
            try db.execute(sql: "UPDATE subscriber SET hard_failures = hard_failures + 1 WHERE id = ?", arguments: [message.subscriberID])
            try db.execute(sql: """
                UPDATE subscriber SET paused = 1, paused_reason = ?, updated_at = ?
                WHERE id = ? AND hard_failures >= ? AND paused = 0
                """, arguments: [pauseReason, now, message.subscriberID, pauseAfter])
            return .failed
        }
    }

    /// Hands these claimed rows back, due at their retry time as before.
    /// With `claimer`, only the rows it still holds (another sender may have
    /// taken them over once its lease ran out).
    public func release(ids: [Int64], claimer: String? = nil) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write { db in
            for id in ids {
                if let claimer {
                    try db.execute(sql: "UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL WHERE state = ? AND id = ? AND claimed_by = ?",
                                   arguments: [OutboxState.deferred.rawValue, OutboxState.sending.rawValue, id, claimer])
                } else {
                    try db.execute(sql: "UPDATE outbox SET state = ?, claimed_by = NULL, lease_until = NULL WHERE state = ? AND id = ?",
                                   arguments: [OutboxState.deferred.rawValue, OutboxState.sending.rawValue, id])
                }
            }
        }
    }

    /// Cancels these rows (claimed, queued or deferred), with `reason` as their last reply.
    public func cancel(ids: [Int64], reason: String, at time: Date) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write { db in
            let unfinished: SQLArguments = OutboxState.unfinished.map(\.rawValue)
            let sql = """
                UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL
                WHERE id = ? AND state IN (\(SQL.placeholders(unfinished.count)))
                """
            for id in ids {
                try db.execute(sql: sql, arguments: [OutboxState.cancelled.rawValue, time.timeIntervalSince1970, reason, id] + unfinished)
            }
        }
    }

    /// The earliest moment a queued or deferred row comes due, or nil when none waits.
    public func nextDueTime() throws(StoreError) -> Date? {
        try read { db in
            let waiting: SQLArguments = OutboxState.waiting.map(\.rawValue)
            return try db.scalar(Double.self, sql: "SELECT min(next_attempt_at) FROM outbox WHERE state IN (\(SQL.placeholders(waiting.count)))",
                                 arguments: waiting)
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// How many rows are due to be sent at `time`.
    public func dueCount(at time: Date) throws(StoreError) -> Int {
        try read { db in
            let waiting: SQLArguments = OutboxState.waiting.map(\.rawValue)
            return try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox WHERE state IN (\(SQL.placeholders(waiting.count))) AND next_attempt_at <= ?",
                                 arguments: waiting + [time.timeIntervalSince1970]) ?? 0
        }
    }

    /// How many rows are in each state (states with none are left out). Reads
    /// the counts the v8 triggers keep: six rows, however large the outbox.
    /// PostgreSQL keeps no such counts (with several senders at once, rows
    /// changing state in different orders would deadlock on the counter
    /// rows: see `PostgresMigrations`), so there the rows are counted.
    public func outboxCounts() throws(StoreError) -> [OutboxState: Int] {
        try read { db in
            switch db.dialect {
            case .sqlite: return try Self.outboxCounts(db, sql: "SELECT state, count FROM outbox_state_count WHERE count > 0")
            case .postgresql: return try Self.outboxCounts(db, sql: Self.outboxCountsByScanSQL)
            }
        }
    }

    /// The same counts, counted from the rows themselves (what `outboxCounts`
    /// did before v8; for benchmarks and checks).
    public func outboxCountsByScan() throws(StoreError) -> [OutboxState: Int] {
        try read { db in try Self.outboxCounts(db, sql: Self.outboxCountsByScanSQL) }
    }

    private static let outboxCountsByScanSQL = "SELECT state, count(*) FROM outbox GROUP BY state"

    /// Counts per state from `sql`'s rows of (state, count).
    private static func outboxCounts(_ db: any SQLConnection, sql: String) throws -> [OutboxState: Int] {
        var counts: [OutboxState: Int] = [:]
        for row in try db.fetchAll(sql: sql) {
            if let state = try row.get(0, as: String?.self).flatMap(OutboxState.init(rawValue:)) { counts[state] = try row.get(1) }
        }
        return counts
    }

    /// When each of a subscriber's digests was planned, oldest first.
    public func plannedTimes(subscriberID: Int64) throws(StoreError) -> [Date] {
        try read { db in
            try db.column(Double.self, sql: "SELECT planned_at FROM outbox WHERE subscriber_id = ? ORDER BY planned_at", arguments: [subscriberID])
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// One subscriber's outbox rows, newest first: (row id, period, state, attempts, last reply).
    public func outboxRows(subscriberID: Int64) throws(StoreError) -> [(id: Int64, periodKey: String, state: OutboxState, attempts: Int, lastReply: String?)] {
        try read { db in
            try db.fetchAll(sql: "SELECT id, period_key, state, attempts, last_reply FROM outbox WHERE subscriber_id = ? ORDER BY id DESC", arguments: [subscriberID])
                .map { row in
                    (try row.get(0), try row.get(1), try row.get(2, as: String?.self).flatMap(OutboxState.init(rawValue:)) ?? .queued,
                     try row.get(3), try row.get(4))
                }
        }
    }
}
