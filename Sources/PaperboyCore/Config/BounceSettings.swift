/// The `bounce:` section: the return address digests are sent from (VERP),
/// the mailbox where bounces, complaints and mailed unsubscribe requests
/// arrive, and what they do to a subscriber.
///
/// ```yaml
/// bounce:
///   address: bounces@lab.example.org      # MAIL FROM:<bounces+TOKEN@lab.example.org>
///   mailbox: imaps://bounces@mail.example.org/INBOX   # or imap:// (STARTTLS), pop3s://, pop3://
///   password_file: /etc/paperboy/bounce-password      # or PAPERBOY_BOUNCE_PASSWORD, or $CREDENTIALS_DIRECTORY/bounce-password
///   processed_folder: Processed
///   interval: 5m
///   soft_limit: 3
///   soft_window: 14d
/// ```
public struct BounceSettings: Sendable, Equatable {
    /// The return address (`bounce.address`); each digest's envelope sender
    /// is this address with `+TOKEN` added to its local part. Nil: the
    /// envelope sender is the From address, as before.
    public var address: EmailAddress?
    /// The mailbox to read (`bounce.mailbox`), without user name; nil: none is read.
    public var mailbox: MailboxURL?
    /// How the mailbox connection is protected (`bounce.tls`): implicit for
    /// imaps:// and pop3s://, STARTTLS (required) for imap:// and pop3://,
    /// none only to a loopback address.
    public var tls: SMTPConfig.TLSMode = .starttls
    public var caFile: String?
    /// The user name (`bounce.username`, or the one in the mailbox URL).
    public var username: String?
    public var passwordFile: String?
    /// Where handled messages are moved (IMAP; `bounce.processed_folder`, default `Processed`).
    public var processedFolder = "Processed"
    /// Seconds between two reads of the mailbox by the daemon (`bounce.interval`, default 5 minutes).
    public var interval: Double = 300
    /// Soft bounces within `softWindow` that pause a subscriber (`bounce.soft_limit`, default 3).
    public var softLimit = 3
    /// Seconds (`bounce.soft_window`, default 14 days).
    public var softWindow: Double = 14 * 86400
    public var connectTimeout: Double = 15
    public var timeout: Double = 120

    public init() {}

    /// A mailbox URL as the config gives it, its user name taken out.
    public struct MailboxURL: Sendable, Equatable {
        public enum Scheme: String, Sendable, CaseIterable {
            case imap, imaps, pop3, pop3s
            public var isIMAP: Bool { self == .imap || self == .imaps }
            public var isImplicitTLS: Bool { self == .imaps || self == .pop3s }
        }
        public var scheme: Scheme
        /// `host` or `host:port` (an IPv6 address in brackets).
        public var authority: String
        /// The host alone.
        public var host: String
        /// The folder, IMAP only (`INBOX` when the URL names none).
        public var folder: String?

        /// The URL without the user name, for libcurl and for messages.
        public var url: String {
            "\(scheme.rawValue)://\(authority)/" + (folder.map(Self.percentEncoded) ?? "")
        }

        /// 127.0.0.0/8, ::1 or localhost: where a connection without TLS is allowed.
        public var isLoopback: Bool {
            if host.lowercased() == "localhost" { return true }
            guard let normal = IPAddressText.normalized(host) else { return false }
            return normal == "::1" || normal.hasPrefix("127.")
        }

        static func percentEncoded(_ folder: String) -> String {
            var out = ""
            for byte in folder.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
                }
            }
            return out
        }

        /// Parses `scheme://[user@]host[:port][/folder]`; returns the user
        /// name apart, or says what is wrong.
        public static func parse(_ text: String) -> Result<(url: MailboxURL, user: String?), BounceSettingsProblem> {
            guard let schemeEnd = text.range(of: "://"), let scheme = Scheme(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
                return .failure(BounceSettingsProblem("\"\(text)\" is not an imap://, imaps://, pop3:// or pop3s:// URL; write it as imaps://user@mail.example.org/INBOX"))
            }
            let rest = text[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = String(rest[..<authorityEnd])
            var user: String?
            if let at = authority.lastIndex(of: "@") {
                let userInfo = String(authority[..<at])
                if userInfo.contains(":") {
                    return .failure(BounceSettingsProblem("the URL holds a password; take it out and put it in bounce.password_file (or PAPERBOY_BOUNCE_PASSWORD)"))
                }
                user = userInfo.removingPercentEncoding ?? userInfo
                authority = String(authority[authority.index(after: at)...])
            }
            let host: String
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                host = String(authority[authority.index(after: authority.startIndex)..<close])
            } else {
                host = String(authority.split(separator: ":", maxSplits: 1).first ?? "")
            }
            guard !host.isEmpty, !authority.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
                return .failure(BounceSettingsProblem("\"\(text)\" names no mail server; write it as imaps://user@mail.example.org/INBOX"))
            }
            var folder: String?
            if authorityEnd < rest.endIndex {
                let path = String(rest[rest.index(after: authorityEnd)...])
                let decoded = path.removingPercentEncoding ?? path
                if !decoded.isEmpty { folder = decoded }
            }
            if scheme.isIMAP {
                folder = folder ?? "INBOX"
            } else if folder != nil {
                return .failure(BounceSettingsProblem("a POP3 mailbox has no folders; write it as \(scheme.rawValue)://user@\(authority)"))
            }
            if let folder, let problem = BounceSettings.folderProblem(folder) {
                return .failure(BounceSettingsProblem("the folder \(problem)"))
            }
            return .success((MailboxURL(scheme: scheme, authority: authority, host: host, folder: folder), user))
        }
    }

    /// Whether two folder names name one folder (INBOX in any case, RFC 3501).
    static func sameFolder(_ a: String, _ b: String) -> Bool {
        a.uppercased() == "INBOX" ? b.uppercased() == "INBOX" : a == b
    }

    /// Why a folder name cannot be used, or nil.
    static func folderProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "\"\(name)\" holds a control character" }
        if name.contains("\"") || name.contains("\\") { return "\"\(name)\" holds a quote or a backslash; choose a plain name such as Processed" }
        return nil
    }

    static let keys = ["address", "mailbox", "tls", "ca_file", "username", "password_file", "processed_folder", "interval",
                       "soft_limit", "soft_window", "connect_timeout", "timeout"]

    static func read(_ reader: ConfigReader?, baseDirectory: String?) throws(ConfigError) -> BounceSettings {
        var settings = BounceSettings()
        guard var reader else { return settings }
        if let text = try reader.string("address") {
            let address: EmailAddress
            do {
                address = try EmailAddress(parsing: text)
            } catch {
                throw reader.error("address", "\(error.description); use the return address, such as bounces@example.org")
            }
            guard !address.localPart.contains("+") else {
                throw reader.error("address", "\"\(text)\" already has a +; give the plain address (bounces@example.org): Paperboy adds +TOKEN to it for each digest")
            }
            guard address.localPart.utf8.count <= 40 else {
                throw reader.error("address", "the part before @ is longer than 40 characters; with +TOKEN it would pass the 64 allowed")
            }
            settings.address = address
        }
        if let text = try reader.string("mailbox") {
            switch MailboxURL.parse(text) {
            case .failure(let problem): throw reader.error("mailbox", problem.message)
            case .success(let parsed):
                settings.mailbox = parsed.url
                settings.username = parsed.user
            }
        }
        if let user = try reader.string("username") {
            if let inURL = settings.username, inURL != user {
                throw reader.error("username", "\"\(user)\" differs from the user in bounce.mailbox (\"\(inURL)\"); keep one")
            }
            settings.username = user
        }
        if let text = try reader.string("tls") {
            guard let mode = SMTPConfig.TLSMode(rawValue: text) else {
                throw reader.error("tls", "\"\(text)\" is not allowed; use starttls (imap://, pop3://), implicit (imaps://, pop3s://) or none (loopback only)")
            }
            settings.tls = mode
        } else if let mailbox = settings.mailbox {
            settings.tls = mailbox.scheme.isImplicitTLS ? .implicit : .starttls
        }
        if let mailbox = settings.mailbox {
            if settings.tls == .none && !mailbox.isLoopback {
                throw reader.error("tls", "none sends the mailbox password in the clear to \(mailbox.host); use starttls or implicit (imaps://), or a loopback address")
            }
            if mailbox.scheme.isImplicitTLS ? settings.tls != .implicit : settings.tls == .implicit {
                throw reader.error("tls", "\(settings.tls.rawValue) does not fit \(mailbox.scheme.rawValue)://; use implicit with imaps:// and pop3s://, starttls with imap:// and pop3://")
            }
        }
        settings.caFile = try reader.string("ca_file").map { MailSettings.resolve($0, baseDirectory) }
        settings.passwordFile = try reader.string("password_file").map { MailSettings.resolve($0, baseDirectory) }
        if let folder = try reader.string("processed_folder") {
            if let problem = Self.folderProblem(folder) { throw reader.error("processed_folder", problem) }
            settings.processedFolder = folder
        }
        if let read = settings.mailbox?.folder, Self.sameFolder(read, settings.processedFolder) {
            // A message moved into the folder read gets a new UID there: it would be read, and applied, again.
            throw reader.error("processed_folder", "\"\(settings.processedFolder)\" is the folder bounce.mailbox reads; choose another, such as Processed")
        }
        if let value = try reader.duration("interval", in: 60...86400) { settings.interval = value }
        if let text = try reader.string("soft_limit") {
            guard let value = Int(text), (1...100).contains(value) else { throw reader.error("soft_limit", "\"\(text)\" is not allowed; use 1 to 100") }
            settings.softLimit = value
        }
        if let value = try reader.duration("soft_window", in: 86400...(365 * 86400)) { settings.softWindow = value }
        if let value = try reader.duration("connect_timeout", in: 1...600) { settings.connectTimeout = value }
        if let value = try reader.duration("timeout", in: 1...3600) { settings.timeout = value }
        try reader.finish(allowed: keys)
        return settings
    }
}

/// What is wrong with a `bounce:` value, in words for the operator.
public struct BounceSettingsProblem: Error, Sendable, Equatable {
    public var message: String
    init(_ message: String) { self.message = message }
}
