import Foundation

/// What a message in the return mailbox is.
public enum BounceKind: String, Sendable, CaseIterable, Codable {
    /// Delivery failed for good (a DSN with `Action: failed` and a 5.x.x status, or a bounce that says so).
    case hard
    /// Delivery failed for now or is delayed (4.x.x, `Action: delayed`).
    case soft
    /// A reader marked the digest as spam (an ARF feedback report, RFC 5965).
    case complaint
    /// A reader mailed the `List-Unsubscribe` mailto address.
    case unsubscribe
    /// A vacation message or another automatic answer: not a bounce.
    case autoReply = "auto-reply"
    /// Anything else: left in the mailbox for a person.
    case unknown
}

/// What a message in the return mailbox says: its kind, the addresses it
/// reports (failed recipients, the complainer, the reader who unsubscribed),
/// the status code and the server's own words, and why it was read so.
public struct BounceReport: Sendable, Equatable {
    public var kind: BounceKind
    /// Lower-cased, each once, in the order the message gives them.
    public var recipients: [String]
    /// The enhanced status code (RFC 3463), `5.1.1`; else the SMTP reply code, `550`.
    public var status: String?
    /// The remote server's words (`Diagnostic-Code`, or the bounce's text line with the code).
    public var diagnostic: String?
    /// For `unsubscribe`: the token after "unsubscribe" in the subject (the digest's mailto link puts it there).
    public var token: String?
    /// One sentence: which rule decided the kind.
    public var reason: String

    /// A message that could not be read at all (too large): unknown, for a person.
    public static func unreadable(_ reason: String) -> BounceReport {
        BounceReport(kind: .unknown, recipients: [], status: nil, diagnostic: nil, token: nil, reason: reason)
    }
}

/// Reads a message from the return mailbox (`ReceivedMessage`) and says what
/// it is (`BounceReport`), in this order:
///
/// 1. An ARF feedback report (`message/feedback-report`): a complaint.
/// 2. A delivery status notification (`message/delivery-status`, RFC 3464):
///    hard when a recipient's `Action` is `failed` with a 5.x.x status,
///    soft when it failed with 4.x.x or is `delayed`; one that only reports
///    delivery is unknown. A refusal sent as a disposition notification
///    (`message/disposition-notification` saying `deleted`, as a Sieve
///    `reject` makes it, RFC 5429) is hard too.
/// 3. Mail to the unsubscribe address, or with the subject "unsubscribe
///    TOKEN": an unsubscribe from the sender.
/// 4. A bounce without a DSN, as qmail, Exim, older Exchange and webmail
///    providers write them: from a mailer daemon or postmaster, or with a
///    bounce subject, with failed addresses in the text; hard or soft by the
///    codes and words near them.
/// 5. An automatic answer (`Auto-Submitted`, `X-Autoreply`, `Precedence:
///    auto_reply`, a vacation subject): an auto-reply, never a bounce.
/// 6. Anything else: unknown.
///
/// DSNs and bounces carry `Auto-Submitted` themselves, so they are looked
/// for before auto-replies.
public enum BounceClassifier {
    /// - Parameter unsubscribeAddresses: the addresses that take unsubscribe
    ///   requests (`mail.unsubscribe_mailto`), any case.
    public static func classify(_ message: ReceivedMessage, unsubscribeAddresses: [String] = []) -> BounceReport {
        if let report = feedbackReport(message) { return report }
        if let report = deliveryStatus(message) { return report }
        if let report = refusal(message) { return report }
        if let report = unsubscribe(message, addresses: unsubscribeAddresses.map { $0.lowercased() }) { return report }
        if let report = plainBounce(message) { return report }
        if let reason = autoReply(message) {
            return BounceReport(kind: .autoReply, recipients: [], status: nil, diagnostic: nil, token: nil, reason: reason)
        }
        return BounceReport(kind: .unknown, recipients: [], status: nil, diagnostic: nil, token: nil,
                            reason: "no delivery report, feedback report, unsubscribe request or bounce text found")
    }

    // MARK: 1. ARF

    private static func feedbackReport(_ message: ReceivedMessage) -> BounceReport? {
        guard let report = message.allParts.first(where: { $0.contentType.type == "message/feedback-report" }) else { return nil }
        let fields = ReceivedMessage(report.text + "\n\n")
        var recipients = fields.all("Original-Rcpt-To").flatMap { Self.addresses($0).prefix(1) }
        if recipients.isEmpty {
            // The complainer is whom the quoted digest was addressed to.
            let quoted = message.allParts.first { ["message/rfc822", "text/rfc822-headers"].contains($0.contentType.type) }?.parts.first
            recipients = (quoted?.all("To") ?? []).flatMap(Self.addresses)
        }
        let type = fields["Feedback-Type"]?.lowercased() ?? "abuse"
        return BounceReport(kind: .complaint, recipients: unique(recipients), status: nil, diagnostic: nil, token: nil,
                            reason: "feedback report (Feedback-Type: \(type))")
    }

    // MARK: 2. DSN

    private static func deliveryStatus(_ message: ReceivedMessage) -> BounceReport? {
        guard let part = message.allParts.first(where: { ["message/delivery-status", "message/global-delivery-status"].contains($0.contentType.type) })
        else { return nil }
        // The per-message block, then one block per recipient, separated by empty lines.
        let blocks = part.text.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n\n")
            .map { ReceivedMessage($0.trimmingCharacters(in: .newlines) + "\n\n") }
            .filter { !$0.fields.isEmpty }
        var failed: [(address: String, status: String?, diagnostic: String?, permanent: Bool)] = []
        for block in blocks {
            guard let action = block["Action"]?.lowercased(), let recipient = block["Final-Recipient"] ?? block["Original-Recipient"],
                  let address = address(afterType: recipient) else { continue }
            // OpenSMTPD, Dovecot and Exim (for a local failure) give no Diagnostic-Code: the server's words are in the text.
            let diagnostic = block["Diagnostic-Code"].map { collapsed(withoutType($0)) } ?? notificationWords(about: address, in: message)
            let status = block["Status"].flatMap(enhancedStatus).map { refined($0, by: diagnostic) }
            if action.hasPrefix("failed") {
                failed.append((address, status, diagnostic, !(status?.hasPrefix("4") ?? false)))
            } else if action.hasPrefix("delayed") {
                failed.append((address, status, diagnostic, false))
            }
        }
        guard let first = failed.first(where: \.permanent) ?? failed.first else {
            return BounceReport(kind: .unknown, recipients: [], status: nil, diagnostic: nil, token: nil,
                                reason: "delivery status report without a failed or delayed recipient")
        }
        let hard = failed.contains(where: \.permanent)
        return BounceReport(kind: hard ? .hard : .soft, recipients: unique(failed.filter { $0.permanent == hard }.map(\.address)),
                            status: first.status, diagnostic: first.diagnostic, token: nil,
                            reason: "delivery status report (Action: \(hard ? "failed" : "delayed or failed for now"))")
    }

    /// Exim and OpenSMTPD write the generic `5.0.0` (or `4.0.0`) as the
    /// `Status` and give the remote server's specific code only in its words
    /// (`550 5.1.1 …`): that code is taken when its class is the same. A
    /// different class stays as written (Exim's "retry timeout exceeded" is
    /// a `5.0.0` failure after `450 4.2.0` replies).
    private static func refined(_ status: String, by diagnostic: String?) -> String {
        guard status.hasSuffix(".0.0"), let specific = diagnostic.flatMap(enhancedStatus),
              specific.first == status.first, !specific.hasSuffix(".0.0") else { return status }
        return specific
    }

    /// The server's words in the notification text (the first text part) for a
    /// report that gives none of its own: the line naming `address`, from its
    /// reply code on (OpenSMTPD: `gone@example.org: 550 5.1.1 <gone@example.org>: User unknown`
    /// → `550 5.1.1 <gone@example.org>: User unknown`), or what follows `address:`
    /// when the line starts so (OpenSMTPD: `gone@example.org: Envelope expired`); else the lines after it up to
    /// an empty line (Dovecot: "Your message to <…> was automatically rejected:" then the
    /// reason; Exim: the address, then "Unrouteable address").
    private static func notificationWords(about address: String, in message: ReceivedMessage) -> String? {
        let lines = firstText(message).replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        guard let naming = lines.firstIndex(where: { addresses($0).contains(address) }) else { return nil }
        let line = lines[naming].trimmingCharacters(in: .whitespaces)
        if let code = replyCode(in: line) { return collapsed(String(line[code.startIndex...])) }
        if line.lowercased().hasPrefix(address + ":") { return collapsed(String(line.dropFirst(address.count + 1))) }
        let words = collapsed(lines[(naming + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: " "))
        return words.isEmpty ? nil : words
    }

    /// A folded field's text with each run of whitespace as one space.
    private static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    // MARK: 2b. Refusals as disposition notifications

    /// Dispositions (RFC 8098) that say the message was thrown away unread: a refusal, not a read receipt.
    private static let refusedDispositions = ["deleted", "rejected"]

    /// Dovecot's Sieve `reject` (RFC 5429) answers with an MDN: `Final-Recipient`
    /// names the reader, `Disposition: automatic-action/MDN-sent-automatically;
    /// deleted`, and the text part gives the reason after the line naming the reader.
    private static func refusal(_ message: ReceivedMessage) -> BounceReport? {
        guard let part = message.allParts.first(where: { $0.contentType.type == "message/disposition-notification" }) else { return nil }
        let fields = ReceivedMessage(part.text.trimmingCharacters(in: .newlines) + "\n\n")
        guard let disposition = fields["Disposition"]?.lowercased(),
              let modifier = disposition.split(separator: ";").last?.trimmingCharacters(in: .whitespaces),
              refusedDispositions.contains(where: modifier.hasPrefix),
              let recipient = (fields["Final-Recipient"] ?? fields["Original-Recipient"]).flatMap(address(afterType:)) else { return nil }
        return BounceReport(kind: .hard, recipients: [recipient], status: nil, diagnostic: notificationWords(about: recipient, in: message),
                            token: nil, reason: "disposition notification (Disposition: \(modifier)): the recipient's server refused the message")
    }

    // MARK: 3. Unsubscribe

    private static func unsubscribe(_ message: ReceivedMessage, addresses: [String]) -> BounceReport? {
        let to = ["To", "Delivered-To", "X-Original-To", "Envelope-To", "Cc"].flatMap { message.all($0) }.flatMap(Self.addresses)
        let subject = (message["Subject"] ?? "").trimmingCharacters(in: .whitespaces)
        let words = subject.split(whereSeparator: \.isWhitespace)
        let subjectSays = words.first?.lowercased() == "unsubscribe"
        guard subjectSays || to.contains(where: addresses.contains) else { return nil }
        let from = (message.all("Reply-To") + message.all("From")).flatMap(Self.addresses)
        return BounceReport(kind: .unsubscribe, recipients: Array(unique(from).prefix(1)), status: nil, diagnostic: nil,
                            token: subjectSays && words.count > 1 ? String(words[1]) : nil,
                            reason: subjectSays ? "subject starts with \"unsubscribe\"" : "sent to the unsubscribe address")
    }

    // MARK: 4. Bounces without a DSN

    private static let bounceSenders = ["mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon"]
    private static let bounceSubjects = [
        "undelivered mail", "undeliverable", "mail delivery failed", "delivery status notification", "failure notice",
        "returned mail", "delivery failure", "mail system error", "delivery failed", "could not be delivered", "nondeliverable",
        "warning: message", "delivery delayed",
    ]

    private static func plainBounce(_ message: ReceivedMessage) -> BounceReport? {
        let from = (message["From"] ?? "").lowercased()
        let subject = (message["Subject"] ?? "").lowercased()
        guard bounceSenders.contains(where: from.contains) || bounceSubjects.contains(where: subject.contains) else { return nil }
        // The bounce's own words: its first text part, not the quoted digest.
        let text = firstText(message)
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        let own = Set((message.all("From") + message.all("To")).flatMap(Self.addresses))
        var recipients: [String] = []
        var status: String?
        var diagnostic: String?
        for (k, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // qmail: "<user@host>:"; Exim: an indented address alone on its line; most others: the address with a code,
            // or in a sentence that says delivery to it failed (dma: "There was an error delivering your mail to <user@host>.").
            let found = addresses(trimmed).filter { !own.contains($0) && !isDaemon($0) }
            let isListing = trimmed.hasPrefix("<") && trimmed.hasSuffix(">:")
                || (line.hasPrefix("  ") && found.count == 1 && trimmed.split(whereSeparator: \.isWhitespace).count == 1)
                || (found.count == 1 && (smtpCode(trimmed) != nil || enhancedStatus(trimmed) != nil))
                || (found.count == 1 && failedRecipientPhrases.contains(where: trimmed.lowercased().contains))
                || (found.count == 1 && !trimmed.lowercased().hasPrefix("to:") && k > 0
                    && (lines[k - 1].lowercased().contains("following") || lines[k - 1].lowercased().contains("recipient")))
            if isListing { recipients += found }
            // The first line with a code, once an address has been named: the server's words.
            if diagnostic == nil, !(recipients.isEmpty && found.isEmpty), let code = enhancedStatus(trimmed) ?? smtpCode(trimmed) {
                diagnostic = trimmed
                status = code
            }
        }
        guard !recipients.isEmpty else { return nil }
        // A 4xx code is soft, a 5xx code hard; without a code, the words decide (hard when they say both or neither).
        let lower = text.lowercased()
        let saysTemporary = temporaryWords.contains(where: lower.contains)
        let saysPermanent = permanentWords.contains(where: lower.contains)
        let kind: BounceKind = status?.first == "4" || (status?.first != "5" && saysTemporary && !saysPermanent) ? .soft : .hard
        return BounceReport(kind: kind, recipients: unique(recipients), status: status, diagnostic: diagnostic, token: nil,
                            reason: "bounce text from \(message["From"] ?? "a mailer daemon") (no delivery status report)")
    }

    /// Sentences that name the one address a bounce could not deliver to.
    private static let failedRecipientPhrases = ["error delivering your mail to", "could not be delivered to", "delivery to the following recipient"]

    private static let temporaryWords = ["has not yet been delivered", "will be retried", "will continue trying", "temporary failure", "delayed"]
    private static let permanentWords = ["permanent", "could not be delivered", "user unknown", "does not exist", "no such user", "unable to deliver"]

    private static func firstText(_ message: ReceivedMessage) -> String {
        if message.parts.isEmpty { return message.text }
        for part in message.parts {
            let type = part.contentType.type
            if type == "text/plain" { return part.text }
            if type.hasPrefix("multipart/") { return firstText(part) }
        }
        return message.parts.first?.text ?? ""
    }

    private static func isDaemon(_ address: String) -> Bool {
        let local = address.split(separator: "@").first.map(String.init) ?? address
        return ["mailer-daemon", "postmaster", "mailerdaemon", "double-bounce"].contains(local)
    }

    // MARK: 5. Auto-replies

    private static let vacationSubjects = ["auto:", "automatic reply", "autoreply", "auto-reply", "out of office", "out of the office",
                                           "vacation", "abwesenheit", "réponse automatique", "respuesta automática", "away from"]

    private static func autoReply(_ message: ReceivedMessage) -> String? {
        if let value = message["Auto-Submitted"], value.lowercased() != "no" { return "Auto-Submitted: \(value)" }
        for name in ["X-Autoreply", "X-Autorespond", "X-Autogenerated"] where message[name] != nil { return "\(name) header" }
        if let precedence = message["Precedence"]?.lowercased(), precedence == "auto_reply" { return "Precedence: auto_reply" }
        let subject = (message["Subject"] ?? "").lowercased()
        if let word = vacationSubjects.first(where: subject.contains) { return "subject says \"\(word)\"" }
        return nil
    }

    // MARK: Addresses and codes

    /// `rfc822; user@example.org` → `user@example.org`.
    private static func address(afterType value: String) -> String? {
        addresses(withoutType(value)).first
    }

    private static func withoutType(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return value.trimmingCharacters(in: .whitespaces) }
        return value[value.index(after: semicolon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The email addresses in a text, lower-cased, without angle brackets.
    static func addresses(_ text: String) -> [String] {
        var result: [String] = []
        for match in text.matches(of: /[A-Za-z0-9._%+=\/!#$&'*^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/) {
            result.append(String(match.output).lowercased())
        }
        return result
    }

    /// The first enhanced status code (RFC 3463: class 2, 4 or 5) in a text.
    static func enhancedStatus(_ text: String) -> String? {
        text.firstMatch(of: /(?:^|[^0-9.])([245]\.[0-9]{1,3}\.[0-9]{1,3})(?![0-9.]*[0-9])/).map { String($0.output.1) }
    }

    /// The first SMTP reply code (4xx or 5xx) at the start of a text or after a space, colon or parenthesis.
    static func smtpCode(_ text: String) -> String? {
        replyCode(in: text).map(String.init)
    }

    /// Where `smtpCode` finds its code: the three digits, as a slice of `text`.
    private static func replyCode(in text: String) -> Substring? {
        text.firstMatch(of: /(?:^|[\s:(])([45][0-9]{2})(?=[\s-])/)?.output.1
    }

    private static func unique(_ addresses: [String]) -> [String] {
        var seen = Set<String>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
