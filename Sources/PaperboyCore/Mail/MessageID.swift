/// The one builder of a digest's Message-ID:
/// `[PERIOD.]SUBSCRIBER.RANDOM@DOMAIN`, such as
/// `daily08-00UTC|2026-11-30.42.9f3c…@example.org`.
///
/// The period part (the outbox period key with ":" as "-" and what may not
/// stand in a Message-ID dropped) makes a message easy to trace in a mail
/// log; the random part makes it unique. The id is chosen once, when the
/// digest is planned, and stored in the outbox message, so every retry of
/// that digest carries the same Message-ID.
public enum MessageID {
    /// A new Message-ID (without angle brackets). `period` is the outbox
    /// period key, nil for a message that is not planned (`preview --send-to`).
    public static func make(subscriberID: Int64, period: String?, domain: String,
                            using random: inout some RandomNumberGenerator) -> String {
        let hex = (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined()
        let prefix = period.map { MailHeaderText.identifier(String($0.map { $0 == ":" ? "-" : $0 })) + "." } ?? ""
        return "\(prefix)\(subscriberID).\(hex)@\(domain)"
    }

    /// A new Message-ID from the system's random numbers.
    public static func make(subscriberID: Int64, period: String?, domain: String) -> String {
        var random = SystemRandomNumberGenerator()
        return make(subscriberID: subscriberID, period: period, domain: domain, using: &random)
    }
}
