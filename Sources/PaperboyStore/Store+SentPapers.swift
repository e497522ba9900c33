import Foundation
internal import GRDB

/// The sent log: which papers each subscriber has been sent, by canonical
/// id, so that no paper reaches a subscriber twice.
extension Store {
    /// Records papers as sent to a subscriber (already recorded ones are kept as they were).
    public func recordSentPapers(subscriberID: Int64, paperIDs: [String], at time: Date) throws(StoreError) {
        try sqliteWrite { db in
            try Self.recordSentPapers(db, subscriberID: subscriberID, paperIDs: paperIDs, at: time)
        }
    }

    static func recordSentPapers(_ db: Database, subscriberID: Int64, paperIDs: [String], at time: Date) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO sent_paper (subscriber_id, paper_id, sent_at) VALUES (?, ?, ?)")
        for id in paperIDs {
            try statement.execute(arguments: [subscriberID, id, time.timeIntervalSince1970])
        }
    }

    /// Every paper id ever sent to one subscriber.
    public func sentPaperIDs(subscriberID: Int64) throws(StoreError) -> Set<String> {
        try sqliteRead { db in
            Set(try String.fetchAll(db, sql: "SELECT paper_id FROM sent_paper WHERE subscriber_id = ?", arguments: [subscriberID]))
        }
    }

    /// The papers sent since `time`, per subscriber, in one query: a paper
    /// first seen inside a digest's look-back window can only have been sent
    /// after it was first seen, so this is all a run needs.
    public func sentPaperIDs(since time: Date) throws(StoreError) -> [Int64: Set<String>] {
        try sqliteRead { db in
            var result: [Int64: Set<String>] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT subscriber_id, paper_id FROM sent_paper WHERE sent_at >= ?", arguments: [time.timeIntervalSince1970])
            while let row = try rows.next() {
                result[row[0], default: []].insert(row[1])
            }
            return result
        }
    }
}
