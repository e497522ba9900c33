/// Whether a subscriber gets digests. Derived from what is stored (their
/// unsubscribe time and paused flag), never stored itself; the raw values
/// are the words listings and JSON show.
public enum SubscriberStatus: String, Sendable, CaseIterable {
    /// Digests go to them.
    case active
    /// Paused by the operator or after repeated hard bounces; no digest until resumed.
    case paused
    /// They unsubscribed; no digest goes to them again.
    case unsubscribed
}
