/// Turns a `MailMessage` into the bytes of an RFC 5322 message.
///
/// Headers: Date, From, To, Subject, Message-ID, MIME-Version, List-Id,
/// List-Unsubscribe, List-Unsubscribe-Post, then the content headers.
/// The body is multipart/alternative (text part first, then HTML), or a
/// single text/plain part, in UTF-8 quoted-printable; every line ends in
/// CRLF and every part ends with a line break.
public enum MIMEComposer {
    /// The complete RFC 5322 message, CRLF line endings, ready for SMTP DATA.
    public static func compose(_ message: MailMessage) -> [UInt8] {
        // One array for the whole message, sized for the usual case; the
        // bodies are encoded straight into it.
        let bodyLength = QuotedPrintable.estimatedLength(message.textBody.utf8.count)
            + (message.htmlBody.map { QuotedPrintable.estimatedLength($0.utf8.count) } ?? 0)
        var writer = HeaderWriter(capacity: 2048 + bodyLength)
        writeHeaders(message, into: &writer)
        let boundary = "=_paperboy_" + hexHash(message.messageID)
        if let html = message.htmlBody {
            writer.begin("Content-Type")
            writer.token("multipart/alternative;")
            writer.token("boundary=\"\(boundary)\"")
            writer.end()
            writer.end()
            appendPart(message.textBody, type: "text/plain", boundary: boundary, to: &writer.bytes)
            appendPart(html, type: "text/html", boundary: boundary, to: &writer.bytes)
            writer.bytes.append(contentsOf: "--\(boundary)--\r\n".utf8)
            return writer.bytes
        }
        writer.field("Content-Type", "text/plain; charset=utf-8")
        writer.field("Content-Transfer-Encoding", "quoted-printable")
        writer.end()
        appendBody(message.textBody, to: &writer.bytes)
        return writer.bytes
    }

    static func writeHeaders(_ message: MailMessage, into writer: inout HeaderWriter) {
        writer.field("Date", DateFormats.mailDate(message.date))
        writeAddress("From", message.from, into: &writer)
        writeAddress("To", message.to, into: &writer)
        writer.begin("Subject")
        let subject = MailHeaderText.cleaned(message.subject)
        if !subject.isEmpty { writer.unstructured(subject) }
        writer.end()
        let messageID = MailHeaderText.identifier(message.messageID)
        if !messageID.isEmpty { writer.field("Message-ID", "<\(messageID)>") }
        writer.field("MIME-Version", "1.0")

        let (listPhrase, listID) = MailHeaderText.listID(message.listID)
        if !listID.isEmpty {
            writer.begin("List-Id")
            if !listPhrase.isEmpty { writer.phrase(listPhrase) }
            writer.token("<\(listID)>")
            writer.end()
        }

        let urls = message.listUnsubscribe.compactMap(MailHeaderText.unsubscribeURL)
        if !urls.isEmpty {
            writer.begin("List-Unsubscribe")
            for (index, url) in urls.enumerated() {
                writer.token(index == urls.count - 1 ? "<\(url)>" : "<\(url)>,")
            }
            writer.end()
            if message.oneClick && urls.contains(where: { $0.lowercased().hasPrefix("https://") }) {
                writer.field("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
            }
        }
    }

    static func writeAddress(_ name: String, _ address: MailAddress, into writer: inout HeaderWriter) {
        writer.begin(name)
        let displayName = MailHeaderText.cleaned(address.displayName ?? "")
        if displayName.isEmpty {
            writer.token(address.email.description)
        } else {
            writer.phrase(displayName)
            writer.token("<\(address.email.description)>")
        }
        writer.end()
    }

    private static func appendPart(_ body: String, type: String, boundary: String, to out: inout [UInt8]) {
        out.append(contentsOf: "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n".utf8)
        appendBody(body, to: &out)
        // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// The body quoted-printable, with a final line break when its encoding has none.
    private static func appendBody(_ body: String, to out: inout [UInt8]) {
        let start = out.count
        QuotedPrintable.append(body, to: &out)
        let end = out.count
        if end - start < 2 || out[end - 2] != 0x0D || out[end - 1] != 0x0A {
            out.append(contentsOf: [0x0D, 0x0A])
        }
    }

    /// 16 hex digits of the FNV-1a hash of `text`: the same message id gives the same boundary.
    private static func hexHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
