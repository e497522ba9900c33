import Foundation

/// What one source last told us, for conditional GETs and status.
public struct SourceState: Sendable, Equatable {
    public var name: String
    /// The URL the validators came from.
    public var url: String?
    public var etag: String?
    public var lastModified: String?
    public var lastFetchedAt: Date?
    public var lastChangedAt: Date?
    /// When the last fetch started (whatever became of it).
    public var lastAttemptAt: Date?
    /// Fetches in a row that failed, or started and never finished (a crash);
    /// 0 after a fetch that worked.
    public var consecutiveFailures: Int

    public init(name: String, url: String? = nil, etag: String? = nil, lastModified: String? = nil, lastFetchedAt: Date? = nil, lastChangedAt: Date? = nil,
                lastAttemptAt: Date? = nil, consecutiveFailures: Int = 0) {
        self.name = name
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.lastFetchedAt = lastFetchedAt
        self.lastChangedAt = lastChangedAt
        self.lastAttemptAt = lastAttemptAt
        self.consecutiveFailures = consecutiveFailures
    }
}

extension Store {
    /// What the store knows about a source, or nil if it was never fetched.
    public func sourceState(_ name: String) throws(StoreError) -> SourceState? {
        try read { db in
            try db.fetchOne(sql: "SELECT * FROM source_state WHERE name = ?", arguments: [name]).map(Self.sourceState(from:))
        }
    }

    /// Every source's state, by name.
    public func sourceStates() throws(StoreError) -> [SourceState] {
        try read { db in
            try db.fetchAll(sql: "SELECT * FROM source_state ORDER BY name").map(Self.sourceState(from:))
        }
    }

    private static func sourceState(from row: SQLRow) throws -> SourceState {
        SourceState(
            name: try row.get("name"), url: try row.get("url"), etag: try row.get("etag"), lastModified: try row.get("last_modified"),
            lastFetchedAt: try row.get("last_fetched_at", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            lastChangedAt: try row.get("last_changed_at", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            lastAttemptAt: try row.get("last_attempt_at", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            consecutiveFailures: try row.get("consecutive_failures", as: Int?.self) ?? 0
        )
    }

    /// Records a 304: the source answered and nothing changed.
    public func recordNotModified(source: String, at time: Date) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                INSERT INTO source_state (name, last_fetched_at) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET last_fetched_at = excluded.last_fetched_at, consecutive_failures = 0
                """,
                arguments: [source, time.timeIntervalSince1970]
            )
        }
    }

    /// Records that a fetch of `source` starts now, before anything is sent.
    /// It counts as a failure until the fetch succeeds (`ingest` or
    /// `recordNotModified` reset the count), so a fetch that crashes the
    /// process still counts, and a restart keeps backing off.
    public func recordFetchAttempt(source: String, at time: Date) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                INSERT INTO source_state (name, last_attempt_at, consecutive_failures) VALUES (?, ?, 1)
                ON CONFLICT(name) DO UPDATE SET last_attempt_at = excluded.last_attempt_at,
                    consecutive_failures = source_state.consecutive_failures + 1
                """,
                arguments: [source, time.timeIntervalSince1970]
            )
        }
    }

}
