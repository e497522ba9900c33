import Foundation
internal import GRDB
import PaperboyCore

/// A subscriber's preference columns as `subscriber import` writes and
/// compares them (the same values `SubscriberRow` stores), without Codable:
/// an import of 100,000 subscribers inserts through one prepared statement
/// and compares stored rows column by column.
struct ImportedRow: Equatable {
    var email: String
    var name: String?
    var query: String?
    var categories: String
    var authors: String
    var minUpvotes: Int
    var maxPapers: Int?
    var schedule: String?
    var format: String
    var paused: Bool
    var likes: String
    var dislikes: String

    /// The compared columns, in the order `Stored` reads them after id and email.
    static let compared = "name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused, likes, dislikes"

    /// A stored row as the import's plan needs it.
    struct Stored {
        var id: Int64
        var email: String
        var columns: ImportedRow
        var unsubscribedAt: Double?
        var pendingSince: Double?

        /// From `SELECT id, email, <compared>, unsubscribed_at, pending_since`.
        init(_ row: Row) {
            id = row[0]
            email = row[1]
            columns = ImportedRow(email: email, name: row[2], query: row[3], categories: row[4], authors: row[5], minUpvotes: row[6],
                                  maxPapers: row[7], schedule: row[8], format: row[9], paused: row[10], likes: row[11], dislikes: row[12])
            unsubscribedAt = row[13]
            pendingSince = row[14]
        }
    }

    /// Every column a new subscriber gets (as `SubscriberRow(preferences, ...).insert` writes them).
    static func insertStatement(_ db: Database) throws -> Statement {
        try db.makeStatement(sql: """
            INSERT INTO subscriber (email, name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused, \
            paused_reason, unsubscribed_at, created_at, updated_at, likes, dislikes, origin, pending_since, confirmed_at, requested)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL, NULL, NULL)
            """)
    }

    func insertArguments(origin: SubscriptionOrigin, at time: Date) -> StatementArguments {
        let seconds = time.timeIntervalSince1970
        return [email, name, query, categories, authors, minUpvotes, maxPapers, schedule, format, paused,
                seconds, seconds, likes, dislikes, origin.rawValue]
    }
}

/// Declared here so that the memberwise initializer `Stored` uses stays.
extension ImportedRow {
    init(_ preferences: SubscriberPreferences) {
        email = preferences.email.description
        name = preferences.name
        query = preferences.query?.text
        categories = PaperRow.encode(preferences.categories)
        authors = PaperRow.encode(preferences.authors)
        minUpvotes = preferences.minUpvotes
        maxPapers = preferences.maxPapers
        schedule = preferences.schedule?.description
        format = preferences.format.rawValue
        paused = preferences.paused
        likes = PaperRow.encode(preferences.likes)
        dislikes = PaperRow.encode(preferences.dislikes)
    }
}
