import PaperboyCore
import PaperboyStore

/// Finds whom a message from the return mailbox is about, trusting only
/// what Paperboy signed where it can:
///
/// 1. the return path (VERP): the address the bounce was sent to, or the
///    envelope sender quoted in it, names an outbox row by a signed token;
///    the row's subscriber counts while their address is still the one the
///    row went to;
/// 2. for a mailed unsubscribe request, the unsubscribe link token in its
///    subject, checked against the subscriber's address now (a From
///    address is easily forged, so it never unsubscribes anyone alone);
/// 3. for bounces and complaints without either, the address the report
///    names, when exactly one subscriber has it. Anyone can write a report
///    naming any address, so with `bounce.address` set such a trace acts on
///    nobody (`BouncePolicy`): it is recorded and left for a person.
public struct BounceTracer: Sendable {
    public let store: Store
    /// Nil when `bounce.address` is not set (no digest was sent with a token).
    public let returnPath: ReturnPath?
    public let tokens: LinkToken

    public init(store: Store, returnPath: ReturnPath?, tokens: LinkToken) {
        self.store = store
        self.returnPath = returnPath
        self.tokens = tokens
    }

    /// Where a bounce reaches and quotes the envelope sender: the headers the
    /// delivering server adds for the envelope recipient, the bounce's own
    /// `To`, and, in the quoted digest or a feedback report, the original
    /// envelope sender.
    static let returnPathFields = ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-RcptTo", "To",
                                   "Return-Path", "Original-Mail-From"]

    public func target(of message: ReceivedMessage, report: BounceReport) throws -> BounceTarget? {
        if let returnPath, report.kind != .unsubscribe {
            let candidates = message.allParts.flatMap { part in Self.returnPathFields.flatMap { part.all($0) } }
                + Self.feedbackFields(message).flatMap { fields in ["Original-Mail-From", "Original-Rcpt-To"].flatMap { fields.all($0) } }
            for claim in candidates.flatMap({ $0.split(separator: ",").map(String.init) }).compactMap(returnPath.claim(in:)) {
                guard let row = try store.outboxAddressee(id: claim.outboxID), returnPath.verify(claim, recipient: row.recipient),
                      let subscriber = try store.subscriber(id: row.subscriberID),
                      subscriber.email.description.lowercased() == row.recipient.lowercased() else { continue }
                return BounceTarget(subscriberID: row.subscriberID, outboxID: claim.outboxID, isDigest: row.isDigest, tracedBy: .returnPath)
            }
        }
        if report.kind == .unsubscribe {
            guard let token = report.token, let claim = LinkToken.claim(token),
                  let subscriber = try store.subscriber(id: claim.subscriberID),
                  tokens.verify(claim, purpose: .unsubscribe, email: subscriber.email) else { return nil }
            return BounceTarget(subscriberID: claim.subscriberID, tracedBy: .unsubscribeToken)
        }
        for address in report.recipients {
            if let found = try store.subscriberID(matching: address) {
                return BounceTarget(subscriberID: found.id, tracedBy: .address)
            }
        }
        return nil
    }

    /// The fields of each feedback report (ARF) in the message.
    private static func feedbackFields(_ message: ReceivedMessage) -> [ReceivedMessage] {
        message.allParts.filter { $0.contentType.type == "message/feedback-report" }.map { ReceivedMessage($0.text + "\n\n") }
    }
}
