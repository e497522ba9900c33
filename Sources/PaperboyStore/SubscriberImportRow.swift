import Foundation
import PaperboyCore

/// A subscriber's preference columns as `subscriber import` compares them
/// (the same values `SubscriberRow` stores), without Codable: an import of
/// 100,000 subscribers compares stored rows column by column (and writes
/// new ones as `SubscriberRow`s, many rows a statement).
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

        /// From `SELECT id, email, <compared>, unsubscribed_at, pending_since`, read by position.
        init(_ row: SQLRow) throws {
            id = try row.get(0)
            email = try row.get(1)
            columns = ImportedRow(email: email, name: try row.get(2), query: try row.get(3), categories: try row.get(4), authors: try row.get(5),
                                  minUpvotes: try row.get(6), maxPapers: try row.get(7), schedule: try row.get(8), format: try row.get(9),
                                  paused: try row.get(10), likes: try row.get(11), dislikes: try row.get(12))
            unsubscribedAt = try row.get(13)
            pendingSince = try row.get(14)
        }
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
