import Foundation

/// The sent log: which papers each subscriber has been sent, by canonical
/// id, so that no paper reaches a subscriber twice.
extension Store {
    /// Records papers as sent to a subscriber (already recorded ones are kept as they were).
    public func recordSentPapers(subscriberID: Int64, paperIDs: [String], at time: Date) throws(StoreError) {
        try write { db in
            try Self.recordSentPapers(db, subscriberID: subscriberID, paperIDs: paperIDs, at: time)
        }
    }

    /// One statement per `sentPapersPerStatement` papers (a digest's are
    /// usually one statement): planning 100,000 digests pays one round
    /// trip per digest, not one per paper, on PostgreSQL.
    static func recordSentPapers(_ db: any SQLConnection, subscriberID: Int64, paperIDs: [String], at time: Date) throws {
        try recordSentPapers(db, paperIDs.map { (subscriberID, $0) }, at: time)
    }

    /// The sent log rows of several subscribers, `sentPapersPerStatement` to a statement.
    static func recordSentPapers(_ db: any SQLConnection, _ sent: [(subscriberID: Int64, paperID: String)], at time: Date) throws {
        let sentAt = time.timeIntervalSince1970
        for start in stride(from: 0, to: sent.count, by: sentPapersPerStatement) {
            let slice = sent[start..<min(sent.count, start + sentPapersPerStatement)]
            var arguments: SQLArguments = []
            arguments.reserveCapacity(slice.count * 3)
            for entry in slice {
                arguments.append(entry.subscriberID)
                arguments.append(entry.paperID)
                arguments.append(sentAt)
            }
            try db.execute(sql: sentPaperInserts[slice.count], arguments: arguments)
        }
    }

    /// Rows of the sent log inserted by one statement, at most.
    static let sentPapersPerStatement = 100

    /// The insert of `n` rows, at index `n`: a fixed set of statement texts.
    private static let sentPaperInserts: [String] = (0...sentPapersPerStatement).map { count in
        "INSERT INTO sent_paper (subscriber_id, paper_id, sent_at) VALUES "
            + Array(repeating: "(?, ?, ?)", count: count).joined(separator: ", ")
            + " ON CONFLICT DO NOTHING"
    }

    /// Every paper id ever sent to one subscriber.
    public func sentPaperIDs(subscriberID: Int64) throws(StoreError) -> Set<String> {
        try read { db in
            Set(try db.column(String.self, sql: "SELECT paper_id FROM sent_paper WHERE subscriber_id = ?", arguments: [subscriberID]))
        }
    }

    /// The papers sent since `time`, per subscriber, in one query: a paper
    /// first seen inside a digest's look-back window can only have been sent
    /// after it was first seen, so this is all a run needs.
    public func sentPaperIDs(since time: Date) throws(StoreError) -> [Int64: Set<String>] {
        try read { db in
            var result: [Int64: Set<String>] = [:]
            try db.forEachRow(sql: "SELECT subscriber_id, paper_id FROM sent_paper WHERE sent_at >= ?", arguments: [time.timeIntervalSince1970]) { row in
                result[try row.get(0, as: Int64.self), default: []].insert(try row.get(1, as: String.self))
            }
            return result
        }
    }
}
