import Foundation
import PaperboyCore

/// A subscriber as `list --json` and `show --json` print it: the stored
/// fields (likes and dislikes, how and when they subscribed too), plus the
/// values in effect after the config's defaults.
struct SubscriberJSON: Encodable {
    var id: Int64
    var email: String
    var name: String?
    var query: String?
    var categories: [String]
    var authors: [String]
    var min_upvotes: Int
    var max_papers: Int?
    var schedule: String?
    var format: String
    var paused: Bool
    var paused_reason: String?
    var likes: [String]
    var dislikes: [String]
    /// pending, active, paused or unsubscribed.
    var status: String
    /// operator, import or web.
    var origin: String
    var pending_since: Date?
    var confirmed_at: Date?
    var unsubscribed_at: Date?
    var created_at: Date
    var updated_at: Date
    var effective_max_papers: Int
    var effective_schedule: String
    var next_digest_at: Date?

    init(_ subscriber: Subscriber, defaults: DigestSettings, now: Date) {
        let p = subscriber.preferences
        id = subscriber.id
        email = p.email.description
        name = p.name
        query = p.query?.text
        categories = p.categories
        authors = p.authors
        min_upvotes = p.minUpvotes
        max_papers = p.maxPapers
        schedule = p.schedule?.description
        format = p.format.rawValue
        paused = p.paused
        paused_reason = subscriber.pausedReason
        likes = p.likes
        dislikes = p.dislikes
        status = subscriber.status.rawValue
        origin = subscriber.origin.rawValue
        pending_since = subscriber.pendingSince
        confirmed_at = subscriber.confirmedAt
        unsubscribed_at = subscriber.unsubscribedAt
        created_at = subscriber.createdAt
        updated_at = subscriber.updatedAt
        effective_max_papers = p.maxPapers ?? defaults.maxPapers
        let schedule = p.schedule ?? defaults.schedule
        effective_schedule = schedule.description
        next_digest_at = subscriber.status == .active ? schedule.nextDue(after: now) : nil
    }
}
