import Foundation
import GRDB

/// What one source last told us, for conditional GETs and status.
public struct SourceState: Sendable, Equatable {
    public var name: String
    /// The URL the validators came from.
    public var url: String?
    public var etag: String?
    public var lastModified: String?
    public var lastFetchedAt: Date?
    public var lastChangedAt: Date?

    public init(name: String, url: String? = nil, etag: String? = nil, lastModified: String? = nil, lastFetchedAt: Date? = nil, lastChangedAt: Date? = nil) {
        self.name = name
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.lastFetchedAt = lastFetchedAt
        self.lastChangedAt = lastChangedAt
    }
}

extension Store {
    /// What the store knows about a source, or nil if it was never fetched.
    public func sourceState(_ name: String) throws -> SourceState? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM source_state WHERE name = ?", arguments: [name]).map(Self.sourceState(from:))
        }
    }

    /// Every source's state, by name.
    public func sourceStates() throws -> [SourceState] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM source_state ORDER BY name").map(Self.sourceState(from:))
        }
    }

    private static func sourceState(from row: Row) -> SourceState {
        SourceState(
            name: row["name"], url: row["url"], etag: row["etag"], lastModified: row["last_modified"],
            lastFetchedAt: (row["last_fetched_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastChangedAt: (row["last_changed_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        )
    }

    /// Records a 304: the source answered and nothing changed.
    public func recordNotModified(source: String, at time: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                INSERT INTO source_state (name, last_fetched_at) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET last_fetched_at = excluded.last_fetched_at
                """,
                arguments: [source, time.timeIntervalSince1970]
            )
        }
    }

}
