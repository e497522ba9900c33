/// Whom a message in the return mailbox is about: the subscriber it was
/// traced to, and how (the signed return path, the unsubscribe token, or
/// the address the report names).
public struct BounceTarget: Sendable, Equatable {
    public var subscriberID: Int64
    /// The outbox row the return path names, when it does.
    public var outboxID: Int64?
    /// False when the bounced row was a confirmation or "manage" mail, not a digest.
    public var isDigest: Bool
    public var tracedBy: TracedBy

    public enum TracedBy: String, Sendable, Equatable {
        /// The envelope sender's signed token (VERP, `ReturnPath`).
        case returnPath = "return path"
        /// The unsubscribe link token in the subject of a mailed request.
        case unsubscribeToken = "unsubscribe token"
        /// The recipient address the report names, found in the store.
        case address
    }

    public init(subscriberID: Int64, outboxID: Int64? = nil, isDigest: Bool = true, tracedBy: TracedBy) {
        self.subscriberID = subscriberID
        self.outboxID = outboxID
        self.isDigest = isDigest
        self.tracedBy = tracedBy
    }
}

/// What a message does to its subscriber (the store applies it, in the
/// same transaction that records the message).
public enum BounceEffect: Sendable, Equatable {
    /// Pause at once, with this reason (a hard bounce).
    case pause(reason: String)
    /// Count a soft bounce; pause with `reason` once `limit` of them fall
    /// within `window` seconds (this one included).
    case softBounce(limit: Int, window: Double, reason: String)
    /// Unsubscribe, cancelling queued digests (a complaint, a mailed request).
    case unsubscribe
    /// Record only.
    case nothing
}

/// What becomes of the message in the mailbox once it is recorded.
public enum BounceDisposition: String, Sendable, Equatable, CaseIterable {
    /// Acted on: moved to `bounce.processed_folder`.
    case processed
    /// Not for Paperboy (an auto-reply): left where it is, marked so it is not read again.
    case ignored
    /// Not understood, or not traced to a subscriber: left where it is, flagged for a person.
    case forPerson = "for-person"
}

/// The rules: a report traced only by the address it names acts on nobody
/// once digests carry a signed return path (`bounce.address`); otherwise a
/// hard bounce pauses, soft bounces pause after
/// `bounce.soft_limit` within `bounce.soft_window`, a complaint or a mailed
/// unsubscribe unsubscribes at once, an auto-reply changes nothing, and a
/// message that is not understood or not traced to a subscriber is left
/// for a person. A bounce of a confirmation or "manage" mail pauses nobody
/// (the same rule as failures at send time: someone may have typed a
/// stranger's or a wrong address on the subscribe page).
public enum BouncePolicy {
    public struct Decision: Sendable, Equatable {
        public var effect: BounceEffect
        public var disposition: BounceDisposition
        /// Why, in a few words, for `bounce poll` and the log.
        public var note: String

        public init(effect: BounceEffect, disposition: BounceDisposition, note: String) {
            self.effect = effect
            self.disposition = disposition
            self.note = note
        }
    }

    public static func decide(_ report: BounceReport, target: BounceTarget?, settings: BounceSettings) -> Decision {
        switch report.kind {
        case .autoReply:
            return Decision(effect: .nothing, disposition: .ignored, note: "an automatic answer; nothing to do")
        case .unknown:
            return Decision(effect: .nothing, disposition: .forPerson, note: "not understood: \(report.reason)")
        case .hard, .soft, .complaint, .unsubscribe:
            break
        }
        guard let target else {
            let what = report.kind == .unsubscribe ? "an unsubscribe request without a valid token" : "a \(report.kind.rawValue) report"
            return Decision(effect: .nothing, disposition: .forPerson, note: "\(what) that names no subscriber here")
        }
        if target.tracedBy == .address, settings.address != nil {
            // Every digest carries a signed return path: a report without one
            // may be forged by anyone who knows the address, so it acts on nobody.
            return Decision(effect: .nothing, disposition: .forPerson,
                            note: "a \(report.kind.rawValue) report that names a subscriber's address but carries no signed return path")
        }
        switch report.kind {
        case .hard where target.isDigest:
            return Decision(effect: .pause(reason: pauseReason(report)), disposition: .processed, note: "hard bounce: pause")
        case .soft where target.isDigest:
            return Decision(effect: .softBounce(limit: settings.softLimit, window: settings.softWindow,
                                                reason: "bounced: \(settings.softLimit) soft bounces in \(ConfigDuration.describe(settings.softWindow)), the last: \(summary(report))"),
                            disposition: .processed, note: "soft bounce: counted")
        case .hard, .soft:
            return Decision(effect: .nothing, disposition: .processed, note: "a bounce of a confirmation or manage mail; nobody is paused")
        case .complaint:
            return Decision(effect: .unsubscribe, disposition: .processed, note: "complaint: unsubscribe")
        default:
            return Decision(effect: .unsubscribe, disposition: .processed, note: "unsubscribe request: unsubscribe")
        }
    }

    /// "bounced: 5.1.1 unknown user: "gone-reader"", as `subscriber show` and `list` show it.
    public static func pauseReason(_ report: BounceReport) -> String {
        "bounced: " + summary(report)
    }

    /// The status and the server's words, on one line, at most 300 characters.
    static func summary(_ report: BounceReport) -> String {
        let words = (report.diagnostic ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ").debugEscaped
        var text: String
        switch (report.status, words.isEmpty) {
        case (let status?, true): text = status.debugEscaped
        case (let status?, false) where !words.contains(status): text = "\(status.debugEscaped) \(words)"
        case (_, false): text = words
        case (nil, true): text = "no status given"
        }
        if text.count > 300 { text = String(text.prefix(299)) + "…" }
        return text
    }
}
