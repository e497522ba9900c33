/// Whether a subscriber gets digests. Derived from what is stored (their
/// unsubscribe time, pending request and paused flag), never stored itself;
/// the raw values are the words listings and JSON show.
public enum SubscriberStatus: String, Sendable, CaseIterable {
    /// Asked for digests on the subscribe page and has not confirmed yet
    /// (double opt-in); nothing but the confirmation mail goes to them.
    case pending
    /// Digests go to them.
    case active
    /// Paused by the operator, by themselves or after repeated hard bounces; no digest until resumed.
    case paused
    /// They unsubscribed; no digest goes to them again.
    case unsubscribed
}

/// How a subscriber came to be subscribed; `subscriber show` tells it.
public enum SubscriptionOrigin: String, Sendable, CaseIterable, Codable {
    /// `paperboy subscriber add` (or `edit` of a new address).
    case `operator`
    /// `paperboy subscriber import`.
    case `import`
    /// The public subscribe page, confirmed by the reader (double opt-in).
    case web
}
