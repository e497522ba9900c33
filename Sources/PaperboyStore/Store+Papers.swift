import Foundation
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
        return try write { db in
            if db.dialect == .postgresql {
                // Read-merge-write of rows that may not exist yet: SQLite serializes writers, PostgreSQL needs a lock (other instances ingest too).
                try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.ingestLockKey])
            }
            var counts = IngestCounts()
            var existing: [String: Paper] = [:]
            for chunk in stride(from: 0, to: order.count, by: 500).map({ Array(order[$0..<min($0 + 500, order.count)]) }) {
                for row in try db.fetchAll(sql: "SELECT \(PaperRow.columns) FROM paper WHERE id IN (\(SQL.placeholders(chunk.count)))", arguments: chunk) {
                    let stored = try PaperRow(row: row)
                    existing[stored.id] = stored.paper
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

    /// The PostgreSQL advisory lock that lets one `ingest` at a time read and
    /// merge papers (SQLite's writes are serialized anyway).
    static let ingestLockKey: Int64 = 726_270_736_201

    /// One paper by id; a versioned arXiv id (`2312.02896v2`) or an arXiv URL finds the paper too.
    public func paper(id: String) throws(StoreError) -> Paper? {
        let key = ArxivID(parsing: id)?.id ?? id
        return try read { db in
            try db.fetchOne(sql: "SELECT \(PaperRow.columns) FROM paper WHERE id = ?", arguments: [key]).map { try PaperRow(row: $0).paper }
        }
    }

    /// Papers first seen at or after `since`, newest first (then most upvoted, then id).
    public func papers(since: Date? = nil, limit: Int? = nil) throws(StoreError) -> [Paper] {
        try read { db in
            var sql = "SELECT \(PaperRow.columns) FROM paper"
            var arguments: SQLArguments = []
            if let since {
                sql += " WHERE first_seen_at >= ?"
                arguments.append(since.timeIntervalSince1970)
            }
            // NULLS LAST: where SQLite puts a paper without upvotes descending (PostgreSQL would put it first).
            sql += " ORDER BY first_seen_at DESC, upvotes DESC NULLS LAST, id"
            if let limit {
                sql += " LIMIT ?"
                arguments.append(limit)
            }
            return try db.fetchAll(sql: sql, arguments: arguments).map { try PaperRow(row: $0).paper }
        }
    }

    /// Papers first seen after `start` and at or before `end`: a digest's look-back window.
    public func papers(firstSeenAfter start: Date, notAfter end: Date) throws(StoreError) -> [Paper] {
        try read { db in
            var papers: [Paper] = []
            try db.forEachRow(sql: "SELECT \(PaperRow.columns) FROM paper WHERE first_seen_at > ? AND first_seen_at <= ? ORDER BY id",
                              arguments: [start.timeIntervalSince1970, end.timeIntervalSince1970]) { row in
                papers.append(try PaperRow(row: row).paper)
            }
            return papers
        }
    }

    /// The stored papers among `ids` (canonical ids), in no particular order;
    /// any number of ids (asked for in slices under SQLite's limit on bound values).
    public func papers(ids: [String]) throws(StoreError) -> [Paper] {
        try read { db in
            var papers: [Paper] = []
            for start in stride(from: 0, to: ids.count, by: Self.idsPerQuery) {
                let slice = Array(ids[start..<min(ids.count, start + Self.idsPerQuery)])
                try db.forEachRow(sql: "SELECT \(PaperRow.columns) FROM paper WHERE id IN (\(SQL.placeholders(slice.count)))", arguments: slice) { row in
                    papers.append(try PaperRow(row: row).paper)
                }
            }
            return papers
        }
    }

    /// Ids bound in one `IN (...)`: SQLite allows 32,766 values in a statement.
    static let idsPerQuery = 10_000

    /// The newest first-seen time in the store, if any paper is stored.
    public func latestFirstSeen() throws(StoreError) -> Date? {
        try read { db in
            try db.scalar(Double.self, sql: "SELECT max(first_seen_at) FROM paper").map(Date.init(timeIntervalSince1970:))
        }
    }

    /// How many papers are stored.
    public func paperCount(since: Date? = nil) throws(StoreError) -> Int {
        try read { db in
            if let since {
                return try db.scalar(Int.self, sql: "SELECT count(*) FROM paper WHERE first_seen_at >= ?", arguments: [since.timeIntervalSince1970]) ?? 0
            }
            return try db.scalar(Int.self, sql: "SELECT count(*) FROM paper") ?? 0
        }
    }

    /// Ids of papers whose title, abstract or authors match an FTS5 MATCH
    /// expression. The expression must come from a parsed query, never from
    /// user text directly.
    ///
    /// SQLite matches it against `paper_fts` (FTS5, best bm25 first);
    /// PostgreSQL against the generated `paper.search` column, the
    /// expression translated to a tsquery (`PostgresTextSearch`, its terms
    /// quoted as lexemes and the whole bound as one argument), best
    /// `ts_rank` first.
    public func fullTextMatches(_ ftsExpression: String) throws(StoreError) -> [String] {
        let tsquery: String?
        switch dialect {
        case .sqlite:
            tsquery = nil
        case .postgresql:
            do {
                tsquery = try PostgresTextSearch.tsquery(fromFTS5: ftsExpression)
            } catch {
                // What SQLite says of the same expression.
                throw StoreError(path: path, kind: .other, message: "database error: \(error.message)",
                                 hint: "Nothing changed. Check the full-text query")
            }
        }
        return try read { db in
            switch db.dialect {
            case .sqlite:
                return try db.column(String.self, sql: """
                    SELECT paper.id FROM paper JOIN paper_fts ON paper_fts.rowid = paper.rowid
                    WHERE paper_fts MATCH ? ORDER BY bm25(paper_fts, 2.0, 1.0, 0.5)
                    """, arguments: [ftsExpression])
            case .postgresql:
                // FTS5 is SQLite's; PostgreSQL searches its generated tsvector column.
                guard let tsquery, !tsquery.isEmpty else { return [] }
                return try db.column(String.self, sql: """
                    SELECT paper.id FROM paper, to_tsquery('paperboy_english', ?) AS query
                    WHERE paper.search @@ query ORDER BY ts_rank(paper.search, query) DESC, paper.id
                    """, arguments: [tsquery])
            }
        }
    }
}
