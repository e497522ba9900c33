import Foundation

/// The two shapes a digest can take. There is no HTML-only form: spam
/// filters penalise it and plain-text readers cannot read it.
public enum DigestFormat: String, CaseIterable, Sendable, Codable {
    /// HTML with its plain-text alternative (the default).
    case both
    /// Plain text only.
    case text
}

/// What a subscriber asked for: every field a person edits, validated.
///
/// Fields left nil take the operator's defaults at send time
/// (`digest.max_papers`, `digest.schedule`), so changing the config changes
/// every subscriber who did not choose otherwise.
public struct SubscriberPreferences: Equatable, Sendable {
    public var email: EmailAddress
    public var name: String?
    /// None means "the top trending papers".
    public var query: Query?
    /// Any of these arXiv categories (or archives, such as `cs`).
    public var categories: [String]
    /// Any of these authors; compared case- and accent-insensitively.
    public var authors: [String]
    public var minUpvotes: Int
    /// 1–100; nil means `digest.max_papers` (else 10).
    public var maxPapers: Int?
    /// nil means `digest.schedule` (else `daily 08:00 UTC`).
    public var schedule: Schedule?
    public var format: DigestFormat
    public var paused: Bool
    /// Canonical ids of papers the subscriber liked: similar papers rank higher.
    public var likes: [String]
    /// Canonical ids of papers the subscriber marked "Not for me": never
    /// shown again, and similar papers rank lower.
    public var dislikes: [String]

    public init(
        email: EmailAddress, name: String? = nil, query: Query? = nil, categories: [String] = [],
        authors: [String] = [], minUpvotes: Int = 0, maxPapers: Int? = nil, schedule: Schedule? = nil,
        format: DigestFormat = .both, paused: Bool = false, likes: [String] = [], dislikes: [String] = []
    ) {
        self.email = email
        self.name = name
        self.query = query
        self.categories = categories
        self.authors = authors
        self.minUpvotes = minUpvotes
        self.maxPapers = maxPapers
        self.schedule = schedule
        self.format = format
        self.paused = paused
        self.likes = likes
        self.dislikes = dislikes
    }

    /// Names of the fields (as in the subscriber file) that differ from `other`.
    public func changedFields(from other: SubscriberPreferences) -> [String] {
        var fields: [String] = []
        if email != other.email { fields.append("email") }
        if name != other.name { fields.append("name") }
        if query?.text != other.query?.text { fields.append("query") }
        if categories != other.categories { fields.append("categories") }
        if authors != other.authors { fields.append("authors") }
        if minUpvotes != other.minUpvotes { fields.append("min_upvotes") }
        if maxPapers != other.maxPapers { fields.append("max_papers") }
        if schedule?.description != other.schedule?.description { fields.append("schedule") }
        if format != other.format { fields.append("format") }
        if paused != other.paused { fields.append("paused") }
        if likes != other.likes { fields.append("like") }
        if dislikes != other.dislikes { fields.append("dislike") }
        return fields
    }
}

/// A stored subscriber: their preferences and what happened to them.
public struct Subscriber: Equatable, Sendable {
    /// The store's row id: stable across email changes, used in unsubscribe tokens.
    public var id: Int64
    public var preferences: SubscriberPreferences
    /// Why the subscriber is paused, when Paperboy paused them (repeated hard bounces).
    public var pausedReason: String?
    /// When they unsubscribed; no digest goes to them after that.
    public var unsubscribedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// How they came to be subscribed (operator, import, web).
    public var origin: SubscriptionOrigin
    /// When a subscribe-page request that is not confirmed yet was made
    /// (double opt-in); nil once confirmed, or for operator and import adds.
    /// Confirmation tokens are bound to it, so a confirmed or expired
    /// request's link confirms nothing.
    public var pendingSince: Date?
    /// When the reader confirmed their subscribe-page request.
    public var confirmedAt: Date?
    /// The settings the pending subscribe-page request asked for (nil when
    /// nothing is pending). Kept apart from `preferences`, which only the
    /// confirmation changes: whoever fills the form in for this address
    /// changes what they get only once the inbox's owner confirms. The
    /// confirmation token is bound to them (`ReaderLinks.confirmSubject`).
    public var requested: SubscriberPreferences?

    public init(id: Int64, preferences: SubscriberPreferences, pausedReason: String? = nil, unsubscribedAt: Date? = nil, createdAt: Date, updatedAt: Date,
                origin: SubscriptionOrigin = .operator, pendingSince: Date? = nil, confirmedAt: Date? = nil, requested: SubscriberPreferences? = nil) {
        self.id = id
        self.preferences = preferences
        self.pausedReason = pausedReason
        self.unsubscribedAt = unsubscribedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.origin = origin
        self.pendingSince = pendingSince
        self.confirmedAt = confirmedAt
        self.requested = requested
    }

    public var email: EmailAddress { preferences.email }

    /// Whether digests go to them: unsubscribed wins over pending (an
    /// unsubscribed reader who asks again stays unsubscribed until they
    /// confirm), pending over paused.
    public var status: SubscriberStatus {
        if unsubscribedAt != nil { return .unsubscribed }
        if pendingSince != nil { return .pending }
        if preferences.paused { return .paused }
        return .active
    }
}

