import Foundation
internal import GRDB
import PaperboyCore

/// What storing one batch of papers did.
public struct IngestCounts: Sendable, Equatable {
    /// Papers not in the store before.
    public var new = 0
    /// Papers already stored whose merged record changed.
    public var updated = 0
    /// Papers already stored that this batch did not change.
    public var unchanged = 0

    public init(new: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.new = new
        self.updated = updated
        self.unchanged = unchanged
    }
}

extension Store {
    /// Stores a fetched batch and the source's new validators in one
    /// transaction: either all of it lands, or none of it.
    ///
    /// Papers are keyed by canonical id, so v1 and v2 of one arXiv paper, or
    /// the same paper from Hugging Face and arXiv, become one row whose
    /// fields are merged (`Paper.merged(with:)`).
    @discardableResult
    public func ingest(_ papers: [Paper], source: SourceState, at time: Date) throws(StoreError) -> IngestCounts {
        // Fold duplicates within the batch first.
        var batch: [String: Paper] = [:]
        var order: [String] = []
        for paper in papers {
            if let earlier = batch[paper.id] {
                batch[paper.id] = earlier.merged(with: paper)
            } else {
                batch[paper.id] = paper
                order.append(paper.id)
            }
        }
        return try sqliteWrite { db in
            var counts = IngestCounts()
            var existing: [String: Paper] = [:]
            for chunk in stride(from: 0, to: order.count, by: 500).map({ Array(order[$0..<min($0 + 500, order.count)]) }) {
                for row in try PaperRow.filter(keys: chunk).fetchAll(db) {
                    existing[row.id] = row.paper
                }
            }
            for id in order {
                let incoming = batch[id]!
                if let stored = existing[id] {
                    let merged = stored.merged(with: incoming)
                    if merged == stored {
                        counts.unchanged += 1
                    } else {
                        try PaperRow(merged, updatedAt: time).update(db)
                        counts.updated += 1
                    }
                } else {
                    try PaperRow(incoming, updatedAt: time).insert(db)
                    counts.new += 1
                }
            }
            try db.execute(
                sql: """
                INSERT INTO source_state (name, url, etag, last_modified, last_fetched_at, last_changed_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
                    last_fetched_at = excluded.last_fetched_at, last_changed_at = excluded.last_changed_at,
                    consecutive_failures = 0
                """,
                arguments: [source.name, source.url, source.etag, source.lastModified, time.timeIntervalSince1970, time.timeIntervalSince1970]
            )
            return counts
        }
    }

    /// One paper by id; a versioned arXiv id (`2312.02896v2`) or an arXiv URL finds the paper too.
    public func paper(id: String) throws(StoreError) -> Paper? {
        let key = ArxivID(parsing: id)?.id ?? id
        return try sqliteRead { db in try PaperRow.fetchOne(db, key: key)?.paper }
    }

    /// Papers first seen at or after `since`, newest first (then most upvoted, then id).
    public func papers(since: Date? = nil, limit: Int? = nil) throws(StoreError) -> [Paper] {
        try sqliteRead { db in
            var request = PaperRow.all()
            if let since {
                request = request.filter(Column("first_seen_at") >= since.timeIntervalSince1970)
            }
            request = request.order(Column("first_seen_at").desc, Column("upvotes").desc, Column("id"))
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db).map(\.paper)
        }
    }

    /// Papers first seen after `start` and at or before `end`: a digest's look-back window.
    public func papers(firstSeenAfter start: Date, notAfter end: Date) throws(StoreError) -> [Paper] {
        try sqliteRead { db in
            try PaperRow
                .filter(Column("first_seen_at") > start.timeIntervalSince1970 && Column("first_seen_at") <= end.timeIntervalSince1970)
                .order(Column("id"))
                .fetchAll(db).map(\.paper)
        }
    }

    /// The stored papers among `ids` (canonical ids), in no particular order;
    /// any number of ids (asked for in slices under SQLite's limit on bound values).
    public func papers(ids: [String]) throws(StoreError) -> [Paper] {
        try sqliteRead { db in
            var papers: [Paper] = []
            for start in stride(from: 0, to: ids.count, by: Self.idsPerQuery) {
                papers += try PaperRow.filter(keys: ids[start..<min(ids.count, start + Self.idsPerQuery)]).fetchAll(db).map(\.paper)
            }
            return papers
        }
    }

    /// Ids bound in one `IN (...)`: SQLite allows 32,766 values in a statement.
    static let idsPerQuery = 10_000

    /// The newest first-seen time in the store, if any paper is stored.
    public func latestFirstSeen() throws(StoreError) -> Date? {
        try sqliteRead { db in
            try Double.fetchOne(db, sql: "SELECT max(first_seen_at) FROM paper").map(Date.init(timeIntervalSince1970:))
        }
    }

    /// How many papers are stored.
    public func paperCount(since: Date? = nil) throws(StoreError) -> Int {
        try sqliteRead { db in
            var request = PaperRow.all()
            if let since {
                request = request.filter(Column("first_seen_at") >= since.timeIntervalSince1970)
            }
            return try request.fetchCount(db)
        }
    }

    /// Ids of papers whose title, abstract or authors match an FTS5 MATCH
    /// expression. The expression must come from a parsed query, never from
    /// user text directly.
    public func fullTextMatches(_ ftsExpression: String) throws(StoreError) -> [String] {
        try sqliteRead { db in
            try String.fetchAll(db, sql: """
                SELECT paper.id FROM paper JOIN paper_fts ON paper_fts.rowid = paper.rowid
                WHERE paper_fts MATCH ? ORDER BY bm25(paper_fts, 2.0, 1.0, 0.5)
                """, arguments: [ftsExpression])
        }
    }
}
