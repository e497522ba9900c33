/// Delivery state of an outbox row. The raw values are what the `state`
/// column holds; SQL never spells them: statements take them as arguments
/// (`OutboxState.queued.rawValue`), so this enum is their only owner.
public enum OutboxState: String, Sendable, CaseIterable {
    case queued, sending, sent, deferred, failed, cancelled

    /// Waiting to be sent: planned, or tried and due again later.
    public static let waiting: [OutboxState] = [.queued, .deferred]
    /// Not over yet: waiting, or claimed by a sender.
    public static let unfinished: [OutboxState] = [.queued, .deferred, .sending]
    /// Over: nothing is sent for these rows any more.
    public static let finished: [OutboxState] = [.sent, .failed, .cancelled]
}

/// What an outbox row carries (the `kind` column). Only digests go to
/// subscribers by schedule and are cancelled when their subscriber
/// unsubscribes or pauses; the reader's own mails (a confirmation, a
/// "manage your subscription" mail) go to pending and unsubscribed
/// addresses too, since the reader just asked for them.
public enum OutboxKind: String, Sendable, CaseIterable {
    case digest
    /// Double opt-in: "confirm your subscription".
    case confirmation
    /// An active address subscribed again: "manage your subscription".
    case manage
}
