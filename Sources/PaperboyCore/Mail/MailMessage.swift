import Foundation

/// Everything a digest email needs, already rendered.
///
/// Text fields may hold anything a feed or a subscriber supplied:
/// `MIMEComposer` removes control characters from header values and
/// encodes the rest, so no value can add or split a header.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var date: Date
    /// Without angle brackets: "unique@from-domain".
    public var messageID: String
    /// The List-Id value, "Paperboy digest <digest.example.org>" or just
    /// "digest.example.org"; the phrase is encoded when it is not ASCII.
    public var listID: String
    /// Unsubscribe URLs in order (https first, then mailto), written as
    /// `List-Unsubscribe: <a>, <b>`. A URL with whitespace, a control
    /// character, `<`, `>`, `"` or non-ASCII, one longer than 900
    /// characters, or one that is not http(s) or mailto, is left out.
    public var listUnsubscribe: [String]
    /// Adds `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058)
    /// when `listUnsubscribe` holds an https URL.
    public var oneClick: Bool
    /// Plain text; LF, CR or CRLF line ends.
    public var textBody: String
    /// HTML; nil sends a text-only message.
    public var htmlBody: String?

    public init(
        from: MailAddress,
        to: MailAddress,
        subject: String,
        date: Date,
        messageID: String,
        listID: String,
        listUnsubscribe: [String],
        oneClick: Bool,
        textBody: String,
        htmlBody: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.listID = listID
        self.listUnsubscribe = listUnsubscribe
        self.oneClick = oneClick
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}
