import Foundation
internal import GRDB
import PaperboyCore

/// How a `Subscriber` is laid out in the `subscriber` table.
struct SubscriberRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "subscriber"

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

    /// Read by column, not through Decodable: loading 100,000 subscribers for
    /// a tick is one of the costs before the first digest can leave.
    init(row: Row) {
        id = row["id"]
        email = row["email"]
        name = row["name"]
        query = row["query"]
        categories = row["categories"]
        authors = row["authors"]
        min_upvotes = row["min_upvotes"]
        max_papers = row["max_papers"]
        schedule = row["schedule"]
        format = row["format"]
        paused = row["paused"]
        paused_reason = row["paused_reason"]
        unsubscribed_at = row["unsubscribed_at"]
        created_at = row["created_at"]
        updated_at = row["updated_at"]
        likes = row["likes"]
        dislikes = row["dislikes"]
        origin = row["origin"]
        pending_since = row["pending_since"]
        confirmed_at = row["confirmed_at"]
        requested = row["requested"]
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
}
