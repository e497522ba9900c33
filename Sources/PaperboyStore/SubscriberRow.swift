import Foundation
import PaperboyCore

/// How a `Subscriber` is laid out in the `subscriber` table.
struct SubscriberRow {

    var id: Int64?
    var email: String
    var name: String?
    var query: String?
    var categories: String
    var authors: String
    var min_upvotes: Int
    var max_papers: Int?
    var schedule: String?
    var format: String
    var paused: Bool
    var paused_reason: String?
    var unsubscribed_at: Double?
    var created_at: Double
    var updated_at: Double
    var likes: String
    var dislikes: String
    var origin: String
    var pending_since: Double?
    var confirmed_at: Double?
    /// The pending request's settings as a subscriber-file entry (`SubscriberFile.renderEntry`).
    var requested: String?

    init(_ preferences: SubscriberPreferences, id: Int64?, pausedReason: String?, unsubscribedAt: Date?, createdAt: Date, updatedAt: Date,
         origin: SubscriptionOrigin = .operator, pendingSince: Date? = nil, confirmedAt: Date? = nil, requested: SubscriberPreferences? = nil) {
        self.id = id
        email = preferences.email.description
        name = preferences.name
        query = preferences.query?.text
        categories = PaperRow.encode(preferences.categories)
        authors = PaperRow.encode(preferences.authors)
        min_upvotes = preferences.minUpvotes
        max_papers = preferences.maxPapers
        schedule = preferences.schedule?.description
        format = preferences.format.rawValue
        paused = preferences.paused
        paused_reason = pausedReason
        unsubscribed_at = unsubscribedAt?.timeIntervalSince1970
        created_at = createdAt.timeIntervalSince1970
        updated_at = updatedAt.timeIntervalSince1970
        likes = PaperRow.encode(preferences.likes)
        dislikes = PaperRow.encode(preferences.dislikes)
        self.origin = origin.rawValue
        pending_since = pendingSince?.timeIntervalSince1970
        confirmed_at = confirmedAt?.timeIntervalSince1970
        self.requested = requested.map(SubscriberFile.renderEntry)
    }

    /// Read by column: loading 100,000 subscribers for a tick is one of the
    /// costs before the first digest can leave. `row` is one of `select`'s.
    init(row: SQLRow) throws {
        id = try row.get("id")
        email = try row.get("email")
        name = try row.get("name")
        query = try row.get("query")
        categories = try row.get("categories")
        authors = try row.get("authors")
        min_upvotes = try row.get("min_upvotes")
        max_papers = try row.get("max_papers")
        schedule = try row.get("schedule")
        format = try row.get("format")
        paused = try row.get("paused")
        paused_reason = try row.get("paused_reason")
        unsubscribed_at = try row.get("unsubscribed_at")
        created_at = try row.get("created_at")
        updated_at = try row.get("updated_at")
        likes = try row.get("likes")
        dislikes = try row.get("dislikes")
        origin = try row.get("origin")
        pending_since = try row.get("pending_since")
        confirmed_at = try row.get("confirmed_at")
        requested = try row.get("requested")
    }

    init(_ subscriber: Subscriber) {
        self.init(subscriber.preferences, id: subscriber.id, pausedReason: subscriber.pausedReason,
                  unsubscribedAt: subscriber.unsubscribedAt, createdAt: subscriber.createdAt, updatedAt: subscriber.updatedAt,
                  origin: subscriber.origin, pendingSince: subscriber.pendingSince, confirmedAt: subscriber.confirmedAt,
                  requested: subscriber.requested)
    }

    /// The stored subscriber. Fields were validated on the way in; one that no
    /// longer parses (after an upgrade changed a rule) is reported, not dropped.
    func subscriber(cache: PreferenceParseCache = PreferenceParseCache()) throws -> Subscriber {
        let preferences = SubscriberPreferences(
            email: try EmailAddress(parsing: email),
            name: name,
            query: try query.flatMap { try cache.query($0) },
            categories: PaperRow.decode(categories),
            authors: PaperRow.decode(authors),
            minUpvotes: min_upvotes,
            maxPapers: max_papers,
            schedule: try schedule.map { try cache.schedule($0) },
            format: DigestFormat(rawValue: format) ?? .both,
            paused: paused,
            likes: PaperRow.decode(likes),
            dislikes: PaperRow.decode(dislikes)
        )
        return Subscriber(
            id: id ?? 0, preferences: preferences, pausedReason: paused_reason,
            unsubscribedAt: unsubscribed_at.map(Date.init(timeIntervalSince1970:)),
            createdAt: Date(timeIntervalSince1970: created_at), updatedAt: Date(timeIntervalSince1970: updated_at),
            origin: SubscriptionOrigin(rawValue: origin) ?? .operator,
            pendingSince: pending_since.map(Date.init(timeIntervalSince1970:)),
            confirmedAt: confirmed_at.map(Date.init(timeIntervalSince1970:)),
            // A request that no longer parses (an upgrade changed a rule) is
            // no request: its link confirms nothing, the reader asks again.
            requested: requested.flatMap { try? SubscriberFile.parseEntry($0, file: "the pending request") }
        )
    }

    // MARK: SQL

    /// The columns a subscriber is written with (all but `id`, and
    /// `hard_failures`, which only bounces and confirmations change), in the
    /// order `values` binds them: the one list INSERT and UPDATE are made from.
    static let columns = ["email", "name", "query", "categories", "authors", "min_upvotes", "max_papers", "schedule", "format", "paused",
                          "paused_reason", "unsubscribed_at", "created_at", "updated_at", "likes", "dislikes", "origin", "pending_since",
                          "confirmed_at", "requested"]

    /// The values of `columns`, in order.
    var values: SQLArguments {
        [email, name, query, categories, authors, min_upvotes, max_papers, schedule, format, paused,
         paused_reason, unsubscribed_at, created_at, updated_at, likes, dislikes, origin, pending_since,
         confirmed_at, requested]
    }

    /// `SELECT` of every column `init(row:)` reads, to be followed by a WHERE or ORDER BY.
    static let select = "SELECT id, \(columns.joined(separator: ", ")) FROM subscriber"

    private static let insertSQL = "INSERT INTO subscriber (\(columns.joined(separator: ", "))) VALUES (\(SQL.placeholders(columns.count)))"
    private static let insertReturningID = insertSQL + " RETURNING id"
    private static let insertIfAbsentSQL = insertSQL + " ON CONFLICT (email) DO NOTHING RETURNING id"
    private static let updateSQL = "UPDATE subscriber SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?"

    /// `INSERT` of `count` rows at once, `values` of each in turn as its arguments (an import's new subscribers).
    static func insertSQL(rows count: Int) -> String {
        let row = "(\(SQL.placeholders(columns.count)))"
        return "INSERT INTO subscriber (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: count).joined(separator: ", ")
    }

    /// Inserts the row (its `id` is ignored) and returns the id it got.
    func insert(_ db: any SQLConnection) throws -> Int64 {
        guard let id = try db.scalar(Int64.self, sql: Self.insertReturningID, arguments: values) else {
            throw SQLDecodingError(column: "id", expected: "the id of the inserted subscriber", found: .null)
        }
        return id
    }

    /// Inserts the row unless its address is stored already (another
    /// process filed it a moment ago); the id it got, or nil.
    func insertIfAbsent(_ db: any SQLConnection) throws -> Int64? {
        try db.scalar(Int64.self, sql: Self.insertIfAbsentSQL, arguments: values)
    }

    /// Writes every column of the row with this `id`; a row that is gone is an error.
    func update(_ db: any SQLConnection) throws {
        guard let id else { preconditionFailure("updating a subscriber row without an id") }
        guard try db.execute(sql: Self.updateSQL, arguments: values + [id]) > 0 else {
            throw SubscriberStoreError(kind: .notFound, email: email, message: "the subscriber \(email) was removed meanwhile; nothing was changed")
        }
    }

    /// The row with this id, if any. `forUpdate` locks it until the
    /// transaction ends, for a read that a write depends on.
    static func fetchOne(_ db: any SQLConnection, id: Int64, forUpdate: Bool = false) throws -> SubscriberRow? {
        try fetchOne(db, where: "id = ?", [id], forUpdate: forUpdate)
    }

    /// The row with exactly this address, if any (see `fetchOne(_:id:forUpdate:)`).
    static func fetchOne(_ db: any SQLConnection, email: String, forUpdate: Bool = false) throws -> SubscriberRow? {
        try fetchOne(db, where: "email = ?", [email], forUpdate: forUpdate)
    }

    private static func fetchOne(_ db: any SQLConnection, where condition: String, _ arguments: SQLArguments, forUpdate: Bool) throws -> SubscriberRow? {
        // PostgreSQL: several Paperboys write at once, so a read that a write
        // depends on locks its row; SQLite has no FOR UPDATE and needs none
        // (its writes are serialized).
        let lock = forUpdate && db.dialect == .postgresql ? " FOR UPDATE" : ""
        return try db.fetchOne(sql: "\(select) WHERE \(condition)\(lock)", arguments: arguments).map { try SubscriberRow(row: $0) }
    }
}
