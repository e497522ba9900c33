/// How long the store keeps what it no longer needs (`retention:`); the
/// daemon prunes once a day, `paperboy db prune` on demand.
///
/// ```yaml
/// retention:
///   message_bodies: 30d   # sent, failed and cancelled digests' message text
///   outbox_rows: 365d     # then the rows themselves (state, reply, period)
///   sent_log: 365d        # which papers went to whom ("never twice")
/// ```
public struct RetentionSettings: Sendable, Equatable {
    /// Message bodies of finished outbox rows (sent, failed, cancelled) are
    /// emptied this long after they finished (`retention.message_bodies`, default 30 days).
    public var messageBodies: Double = 30 * 86400
    /// Finished outbox rows are deleted this long after they finished
    /// (`retention.outbox_rows`, default 365 days; at least 14 days, so the
    /// row that makes a period's digest unique outlives the longest period, a week).
    public var outboxRows: Double = 365 * 86400
    /// Sent-log entries are deleted this long after they were planned
    /// (`retention.sent_log`, default 365 days), and never while they are
    /// younger than `digest.lookback`: a paper still a candidate is never mailed twice.
    public var sentLog: Double = 365 * 86400

    public init() {}

    static let keys = ["message_bodies", "outbox_rows", "sent_log"]

    static func read(_ reader: ConfigReader?) throws(ConfigError) -> RetentionSettings {
        var settings = RetentionSettings()
        guard var reader else { return settings }
        let tenYears = 3650.0 * 86400
        if let value = try reader.duration("message_bodies", in: 86400...tenYears) { settings.messageBodies = value }
        if let value = try reader.duration("outbox_rows", in: (14 * 86400)...tenYears) { settings.outboxRows = value }
        if let value = try reader.duration("sent_log", in: 86400...tenYears) { settings.sentLog = value }
        try reader.finish(allowed: keys)
        return settings
    }

    /// How long sent-log entries are kept under `digest.lookback`: the longer of the two.
    public func sentLogKept(lookback: Double) -> Double {
        max(sentLog, lookback)
    }
}
