import Foundation

/// Leases on work that one Paperboy does at a time when several share a
/// database: planning a tick (`plan`), fetching a source (`fetch:NAME`).
/// A lease is held by one `holder` (host:pid) until a time; the holder
/// may renew it, anyone may take it once it has run out, so an instance
/// that dies blocks the work only until then. On SQLite (one host) the
/// same rule holds between processes sharing the file.
extension Store {
    /// Takes or renews the lease `name` for `holder` until `until`; false
    /// when another holder has it, it has not run out at `time`, and that
    /// holder is not `isDead` (a process of this host that is gone: its
    /// lease is taken at once, as its outbox rows are).
    public func takeLease(_ name: String, holder: String, at time: Date, until: Date,
                          isDead: (String) -> Bool = { _ in false }) throws(StoreError) -> Bool {
        try write { db in
            let changed = try db.execute(
                sql: """
                INSERT INTO lease (name, holder, until) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                WHERE lease.holder = excluded.holder OR lease.until <= ?
                """,
                arguments: [name, holder, until.timeIntervalSince1970, time.timeIntervalSince1970]
            )
            if changed > 0 { return true }
            guard let current = try db.scalar(String.self, sql: "SELECT holder FROM lease WHERE name = ?", arguments: [name]),
                  isDead(current) else { return false }
            // Only from that dead holder: another instance may have taken it meanwhile.
            return try db.execute(sql: "UPDATE lease SET holder = ?, until = ? WHERE name = ? AND holder = ?",
                                  arguments: [holder, until.timeIntervalSince1970, name, current]) > 0
        }
    }

    /// Gives up the lease `name` if `holder` has it (a clean stop: another
    /// instance may take the work at once).
    public func releaseLease(_ name: String, holder: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    /// Who holds the lease `name` and until when, or nil when nobody does.
    public func lease(_ name: String) throws(StoreError) -> (holder: String, until: Date)? {
        try read { db in
            guard let row = try db.fetchOne(sql: "SELECT holder, until FROM lease WHERE name = ?", arguments: [name]) else { return nil }
            return (try row.get("holder"), Date(timeIntervalSince1970: try row.get("until")))
        }
    }
}

extension Store {
    /// Moves the lease of the rows `ids` that `claimer` still sends to
    /// `until` (its heartbeat while it sends a batch, on a shared store): a
    /// sender that stops beating, on any host, hands its rows back when the
    /// short lease ends. Only the batch's rows: a row left claimed by a
    /// failed record is not kept alive by later batches. Returns how many
    /// were renewed.
    @discardableResult
    public func renewClaims(ids: [Int64], claimer: String, until: Date) throws(StoreError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try write { db in
            let list = SQL.placeholders(ids.count)
            let rows: String
            switch db.dialect {
            case .sqlite:
                rows = "id IN (\(list)) AND state = ? AND claimed_by = ?"
            case .postgresql:
                // Rows a record of this sender is writing are skipped, not
                // waited for (they are finishing), and the rest are locked in
                // id order: no deadlock with that record.
                rows = "id IN (SELECT id FROM outbox WHERE id IN (\(list)) AND state = ? AND claimed_by = ? ORDER BY id FOR UPDATE SKIP LOCKED)"
            }
            return try db.execute(sql: "UPDATE outbox SET lease_until = ? WHERE \(rows)",
                                  arguments: [until.timeIntervalSince1970] + ids.map { $0 as any SQLBindable } + [OutboxState.sending.rawValue, claimer])
        }
    }
}
