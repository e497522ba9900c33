/// Where and how to read the return ("bounce") mailbox over IMAP or POP3.
///
/// Owns the mailbox settings as the `Curl` module sees them and their checks
/// (`MailboxEndpoint`); the config keys and their defaults belong to the caller.
public struct MailboxSettings: Sendable {
    /// How the connection is protected.
    public enum TLSMode: Sendable {
        /// TLS from the first byte: `imaps://` (993) or `pop3s://` (995).
        case implicit
        /// `imap://` or `pop3://` upgraded with STARTTLS/STLS, which must succeed (never opportunistic).
        case starttls
        /// No TLS at all; the caller allows it only to a loopback address.
        case none
    }

    /// `imap://host:port/INBOX`, `imaps://host:port/Folder`, `pop3://host:port` or `pop3s://host:port`,
    /// without credentials. An IMAP URL without a folder reads INBOX.
    public var url: String
    public var username: String?
    /// Never logged and never part of an error message.
    public var password: String?
    public var tls: TLSMode
    /// A PEM file of CA certificates to trust; certificates are always verified.
    public var caFile: String?
    /// IMAP only: the folder handled messages are moved to (created on first use).
    public var processedFolder: String
    /// Seconds allowed to connect (TCP and TLS).
    public var connectTimeout: Double
    /// Seconds allowed for each transfer (one command, or one message fetched).
    public var timeout: Double

    public init(
        url: String,
        username: String? = nil,
        password: String? = nil,
        tls: TLSMode = .starttls,
        caFile: String? = nil,
        processedFolder: String = "Processed",
        connectTimeout: Double = 15,
        timeout: Double = 120
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.processedFolder = processedFolder
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

/// The mailbox protocol, from the URL's scheme.
public enum MailboxProtocol: Sendable {
    case imap, pop3
}

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
        case (true, .implicit), (false, .starttls), (false, .none):
            break
        case (true, _):
            throw bad("\(scheme) means TLS from the first byte, so bounce.tls must be implicit")
        case (false, .implicit):
            throw bad("bounce.tls implicit needs imaps:// or pop3s:// (ports 993, 995)")
        }
        if kind == .imap {
            do { _ = try IMAPText.quoted(settings.processedFolder) } catch let error {
                throw MailboxError(kind: .invalidSettings, url: url, message: "the processed folder: \(error.reason): check bounce.processed_folder")
            }
        }
        if let username = settings.username, username.isEmpty || username.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "the user name is empty or contains control characters: check bounce.username")
        }
        if let password = settings.password, password.isEmpty || password.utf8.contains(0) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "the password is empty or contains a NUL byte: check bounce.password_file")
        }
        for value in [settings.connectTimeout, settings.timeout] where !(value.isFinite && value > 0 && value <= 86_400) {
            throw MailboxError(kind: .invalidSettings, url: url, message: "timeouts must be seconds above 0 and at most a day")
        }
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
