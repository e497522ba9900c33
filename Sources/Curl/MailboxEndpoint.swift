/// The parts of `MailboxSettings.url` that matter, checked: scheme, TLS from
/// the first byte or not, `scheme://host:port` and, for IMAP, the folder.
struct MailboxEndpoint {
    var mailProtocol: MailboxProtocol
    var implicitTLS: Bool
    /// `scheme://host:port`, as written, without a trailing slash.
    var base: String
    /// `host:port` (or the host alone), for messages.
    var authority: String
    /// IMAP: the folder read, decoded from the URL's path ("INBOX" when none).
    var folder: String

    init(settings: MailboxSettings) throws(MailboxError) {
        let url = settings.url
        func bad(_ text: String) -> MailboxError {
            MailboxError(kind: .invalidSettings, url: url, message: "\(text): check bounce.mailbox")
        }
        let schemes: [(String, MailboxProtocol, Bool)] = [("imap://", .imap, false), ("imaps://", .imap, true),
                                                          ("pop3://", .pop3, false), ("pop3s://", .pop3, true)]
        guard let (scheme, kind, implicit) = schemes.first(where: { url.lowercased().hasPrefix($0.0) }) else {
            throw bad("the mailbox URL must start with imap://, imaps://, pop3:// or pop3s://")
        }
        mailProtocol = kind
        implicitTLS = implicit
        let rest = url.dropFirst(scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authorityPart = rest[..<slash]
        guard !authorityPart.isEmpty else { throw bad("the mailbox URL has no host") }
        guard !authorityPart.contains("@") else {
            throw MailboxError(kind: .invalidSettings, url: url,
                               message: "the mailbox URL must not hold a user name or password: use bounce.username and bounce.password_file")
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: ";") }) else {
            throw bad("the mailbox URL contains spaces, control characters, ?, # or ;")
        }
        authority = String(authorityPart)
        base = String(scheme) + authority
        var path = slash < rest.endIndex ? rest[rest.index(after: slash)...] : ""
        while path.hasSuffix("/") { path = path.dropLast() }
        switch kind {
        case .pop3:
            guard path.isEmpty else { throw bad("a POP3 URL has no folder: write it as pop3://host:port") }
            folder = ""
        case .imap:
            guard let decoded = Self.percentDecoded(path) else { throw bad("the folder in the mailbox URL is not valid percent-encoded UTF-8") }
            folder = decoded.isEmpty ? "INBOX" : decoded
            do { _ = try IMAPText.quoted(folder) } catch let error { throw bad(error.reason) }
        }
        switch (implicitTLS, settings.tls) {
        case (true, .implicit), (false, .starttls):
            break
        case (false, .none):
            // Fail closed, whatever the caller checked: the password never crosses a network in the clear.
            guard isLoopback else {
                throw bad("bounce.tls none would send the password in the clear to \(authority); use starttls or imaps://, or a loopback address")
            }
        case (true, _):
            throw bad("\(scheme) means TLS from the first byte, so bounce.tls must be implicit")
        case (false, .implicit):
            throw bad("bounce.tls implicit needs imaps:// or pop3s:// (ports 993, 995)")
        }
        if kind == .imap {
            do { _ = try IMAPText.quoted(settings.processedFolder) } catch let error {
                throw MailboxError(kind: .invalidSettings, url: url, message: "the processed folder: \(error.reason): check bounce.processed_folder")
            }
            // Moving a message into the folder read gives it a new UID: it would be read, and applied, again.
            let same = folder.uppercased() == "INBOX" ? settings.processedFolder.uppercased() == "INBOX" : settings.processedFolder == folder
            guard !same else {
                throw MailboxError(kind: .invalidSettings, url: url, message: "the processed folder is the folder read: choose another bounce.processed_folder, such as Processed")
            }
        }
        if let username = settings.username, username.isEmpty || username.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "the user name is empty or contains control characters: check bounce.username")
        }
        if let password = settings.password, password.isEmpty || password.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "the password is empty or contains a line break or a NUL byte: check bounce.password_file")
        }
        for value in [settings.connectTimeout, settings.timeout] where !(value.isFinite && value > 0 && value <= 86_400) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "timeouts must be seconds above 0 and at most a day")
        }
    }

    /// localhost, 127.0.0.0/8 or [::1].
    var isLoopback: Bool {
        var host = authority.lowercased()
        if host.hasPrefix("[") {
            host = String(host.prefix { $0 != "]" }) + "]"
        } else if let colon = host.firstIndex(of: ":") {
            host = String(host[..<colon])
        }
        return LoopbackHost.contains(host)
    }

    /// `%XX` sequences decoded; nil for a broken escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Every byte but unreserved ones as `%XX`, for a folder name in a libcurl URL path.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar)) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
