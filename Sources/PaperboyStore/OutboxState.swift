internal import GRDB

/// Delivery state of an outbox row. The raw values are what the `state`
/// column holds; SQL never spells them: statements take them as arguments
/// (`OutboxState.queued.stored`), so this enum is their only owner.
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

/// An enum stored as its raw text. GRDB's `DatabaseValueConvertible` stays
/// inside the store (a public conformance would put a GRDB type in the
/// store's API), so statements take `value.stored` and rows are read back
/// with `init(stored:)`.
protocol StoredAsText: RawRepresentable<String> {}

extension StoredAsText {
    /// The value as the database holds it.
    var stored: DatabaseValue { rawValue.databaseValue }

    /// The value a column holds, or nil for NULL or text no case has.
    init?(stored value: DatabaseValue) {
        guard let text = String.fromDatabaseValue(value) else { return nil }
        self.init(rawValue: text)
    }

    /// `?, ?, ?` for an `IN (...)` list of `values`, with its arguments.
    static func list(_ values: [Self]) -> (sql: String, arguments: StatementArguments) {
        (values.map { _ in "?" }.joined(separator: ", "), StatementArguments(values.map(\.stored)))
    }
}

extension OutboxState: StoredAsText {}
extension OutboxKind: StoredAsText {}
