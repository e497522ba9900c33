import Foundation

/// One outbox row as the operator sees it (`paperboy outbox list`).
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var subscriberID: Int64
    public var recipient: String
    public var state: OutboxState
    public var attempts: Int
    public var plannedAt: Date
    /// When a queued or deferred row is tried next (for other states: the last value it had).
    public var nextAttemptAt: Date
    public var lastReply: String?
}

/// What `retryNow` or `cancelQueued` did to each row asked for.
public enum OutboxChange: Sendable, Equatable {
    /// The row changed from this state.
    case changed(id: Int64, from: OutboxState)
    /// The row was left as it was, in this state (not one the operation applies to).
    case refused(id: Int64, state: OutboxState)
    case unknown(id: Int64)
}

/// The deferred rows waiting for a later retry: how many, and the first to be tried.
public struct DeferredSummary: Sendable, Equatable {
    public var count: Int
    public var nextAttemptAt: Date
    public var nextReply: String?
}

extension Store {
    static let entryColumns = "id, subscriber_id, recipient, state, attempts, planned_at, next_attempt_at, last_reply"

    static func entry(_ row: SQLRow) throws -> OutboxEntry {
        OutboxEntry(
            id: try row.get("id"), subscriberID: try row.get("subscriber_id"), recipient: try row.get("recipient"),
            state: try row.get("state", as: String?.self).flatMap(OutboxState.init(rawValue:)) ?? .queued, attempts: try row.get("attempts"),
            plannedAt: Date(timeIntervalSince1970: try row.get("planned_at")), nextAttemptAt: Date(timeIntervalSince1970: try row.get("next_attempt_at")),
            lastReply: try row.get("last_reply")
        )
    }

    /// `FOR UPDATE` on PostgreSQL (SQLite has none and needs none: its writes
    /// are serialized): an operator's change reads a row's state and then
    /// writes it, and a sender of another Paperboy must not claim it between.
    private static func lockingRead(_ db: any SQLConnection) -> String {
        db.dialect == .postgresql ? " FOR UPDATE" : ""
    }

    /// Outbox rows, newest first, optionally only those in `states` and of one subscriber; at most `limit`.
    public func outboxEntries(states: [OutboxState] = [], subscriberID: Int64? = nil, limit: Int? = nil) throws(StoreError) -> [OutboxEntry] {
        try read { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if !states.isEmpty {
                conditions.append("state IN (\(SQL.placeholders(states.count)))")
                arguments += states.map(\.rawValue)
            }
            if let subscriberID {
                conditions.append("subscriber_id = ?")
                arguments.append(subscriberID)
            }
            var sql = "SELECT \(Self.entryColumns) FROM outbox"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit { sql += " LIMIT \(max(0, limit))" }
            return try db.fetchAll(sql: sql, arguments: arguments).map(Self.entry)
        }
    }

    /// The deferred rows not yet due at `time`, or nil when none waits.
    public func deferredWaiting(at time: Date) throws(StoreError) -> DeferredSummary? {
        try read { db in
            let count = try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox WHERE state = ? AND next_attempt_at > ?",
                                      arguments: [OutboxState.deferred.rawValue, time.timeIntervalSince1970]) ?? 0
            guard count > 0, let first = try db.fetchOne(sql: """
                SELECT next_attempt_at, last_reply FROM outbox WHERE state = ? AND next_attempt_at > ?
                ORDER BY next_attempt_at, id LIMIT 1
                """, arguments: [OutboxState.deferred.rawValue, time.timeIntervalSince1970]) else { return nil }
            return DeferredSummary(count: count, nextAttemptAt: Date(timeIntervalSince1970: try first.get("next_attempt_at")),
                                   nextReply: try first.get("last_reply"))
        }
    }

    /// Makes rows due at `time`: every deferred row when `ids` is nil, else
    /// the rows named, which may be queued, deferred or failed (a failed row
    /// is tried again as a deferred one, keeping its attempts; its hard-failure
    /// count stays). Sending, sent and cancelled rows are refused. One transaction.
    /// On PostgreSQL the rows read are locked until it ends (a row a sender
    /// claims meanwhile is read as sending, and refused).
    public func retryNow(ids: [Int64]?, at time: Date) throws(StoreError) -> [OutboxChange] {
        try write { db in
            let now = time.timeIntervalSince1970
            let targets: [(Int64, OutboxState?)]
            if let ids {
                targets = try ids.map { id in
                    (id, try Self.lockedState(db, id: id))
                }
            } else {
                targets = try db.column(Int64.self, sql: "SELECT id FROM outbox WHERE state = ? ORDER BY id\(Self.lockingRead(db))",
                                        arguments: [OutboxState.deferred.rawValue])
                    .map { ($0, OutboxState.deferred) }
            }
            var changes: [OutboxChange] = []
            for (id, state) in targets {
                guard let state else { changes.append(.unknown(id: id)); continue }
                switch state {
                case .queued, .deferred, .failed:
                    try db.execute(sql: """
                        UPDATE outbox SET state = ?, next_attempt_at = ?, finished_at = NULL, claimed_by = NULL, lease_until = NULL WHERE id = ?
                        """, arguments: [(state == .failed ? OutboxState.deferred : state).rawValue, now, id])
                    changes.append(.changed(id: id, from: state))
                case .sending, .sent, .cancelled:
                    changes.append(.refused(id: id, state: state))
                }
            }
            return changes
        }
    }

    /// Cancels the queued or deferred rows named, with `reason` as their last
    /// reply. When any row is unknown or in another state, nothing changes
    /// and the answer says which: all or none, in one transaction.
    public func cancelQueued(ids: [Int64], reason: String, at time: Date) throws(StoreError) -> [OutboxChange] {
        try write { db in
            var changes: [OutboxChange] = []
            for id in ids {
                guard let state = try Self.lockedState(db, id: id) else {
                    changes.append(.unknown(id: id)); continue
                }
                changes.append(state == .queued || state == .deferred ? .changed(id: id, from: state) : .refused(id: id, state: state))
            }
            guard changes.allSatisfy({ if case .changed = $0 { return true } else { return false } }) else { return changes }
            for id in ids {
                try db.execute(sql: """
                    UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?
                    """, arguments: [OutboxState.cancelled.rawValue, time.timeIntervalSince1970, reason, id])
            }
            return changes
        }
    }

    /// The state of the outbox row `id` (nil when there is none, or it holds
    /// no state this version knows), locked on PostgreSQL until the write ends.
    private static func lockedState(_ db: any SQLConnection, id: Int64) throws -> OutboxState? {
        try db.scalar(String.self, sql: "SELECT state FROM outbox WHERE id = ?\(lockingRead(db))", arguments: [id])
            .flatMap(OutboxState.init(rawValue:))
    }
}
