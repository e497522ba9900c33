/// The `smtp:` section: the operator's mail server and how to use it.
///
/// ```yaml
/// smtp:
///   url: smtp://mail.example.org:587
///   tls: starttls            # starttls (default for smtp://), implicit (smtps://), none (loopback only)
///   username: paperboy
///   password_file: /etc/paperboy/smtp-password   # or PAPERBOY_SMTP_PASSWORD, or $CREDENTIALS_DIRECTORY/smtp-password
///   connections: 4
///   retry: {initial: 5m, max: 1h, give_up_after: 3d}
///   pause_after_failures: 3
/// ```
public struct SMTPConfig: Sendable, Equatable {
    /// How the connection is protected: the `tls` key.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// A plain connection upgraded with STARTTLS, which must succeed (port 587 or 25).
        case starttls
        /// TLS from the first byte: `smtps://`, port 465.
        case implicit
        /// No TLS: only to a loopback address, or with `allow_plaintext`.
        case none
    }

    public var url: String
    public var tls: TLSMode
    public var allowPlaintext = false
    public var caFile: String?
    public var username: String?
    public var passwordFile: String?
    public var ehloName: String?
    public var connections = 4
    public var maxPerSecond: Double?
    public var connectTimeout: Double = 15
    public var commandTimeout: Double = 60
    public var timeout: Double = 300
    public var retryInitial: Double = 5 * 60
    public var retryMax: Double = 3600
    public var giveUpAfter: Double = 3 * 86400
    public var pauseAfterFailures = 3

    public init(url: String, tls: TLSMode) {
        self.url = url
        self.tls = tls
    }

    static let keys = ["url", "tls", "allow_plaintext", "ca_file", "username", "password_file", "ehlo_name", "connections",
                       "max_per_second", "connect_timeout", "command_timeout", "timeout", "retry", "pause_after_failures"]

    static func read(_ reader: ConfigReader?, baseDirectory: String?) throws(ConfigError) -> SMTPConfig? {
        guard var reader else { return nil }
        let url = try reader.requiredString("url", what: "the mail server, such as smtp://mail.example.org:587 or smtps://mail.example.org:465")
        let lower = url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            throw reader.error("url", "\"\(url)\" is not an smtp:// or smtps:// URL")
        }
        let tls: TLSMode
        if let text = try reader.string("tls") {
            guard let mode = TLSMode(rawValue: text) else {
                throw reader.error("tls", "\"\(text)\" is not allowed; use starttls, implicit (for smtps://) or none (loopback only)")
            }
            tls = mode
        } else {
            tls = lower.hasPrefix("smtps://") ? .implicit : .starttls
        }
        var config = SMTPConfig(url: url, tls: tls)
        if let text = try reader.string("allow_plaintext") {
            guard let value = Self.bool(text) else { throw reader.error("allow_plaintext", "use true or false") }
            config.allowPlaintext = value
        }
        config.caFile = try reader.string("ca_file").map { MailSettings.resolve($0, baseDirectory) }
        config.username = try reader.string("username")
        config.passwordFile = try reader.string("password_file").map { MailSettings.resolve($0, baseDirectory) }
        config.ehloName = try reader.string("ehlo_name")
        if let text = try reader.string("connections") {
            guard let value = Int(text), (1...64).contains(value) else { throw reader.error("connections", "\"\(text)\" is not allowed; use 1 to 64") }
            config.connections = value
        }
        if let text = try reader.string("max_per_second") {
            guard let value = Double(text), value > 0, value.isFinite else { throw reader.error("max_per_second", "\"\(text)\" is not a positive number") }
            config.maxPerSecond = value
        }
        if let value = try reader.duration("connect_timeout", in: 1...600) { config.connectTimeout = value }
        if let value = try reader.duration("command_timeout", in: 1...3600) { config.commandTimeout = value }
        if let value = try reader.duration("timeout", in: 1...3600) { config.timeout = value }
        if var retry = try reader.mapping("retry", allowed: ["initial", "max", "give_up_after"]) {
            if let value = try retry.duration("initial", in: 1...86400) { config.retryInitial = value }
            if let value = try retry.duration("max", in: 1...(7 * 86400)) { config.retryMax = value }
            if let value = try retry.duration("give_up_after", in: 60...(30 * 86400)) { config.giveUpAfter = value }
            try retry.finish(allowed: ["initial", "max", "give_up_after"])
        }
        if let text = try reader.string("pause_after_failures") {
            guard let value = Int(text), (1...100).contains(value) else { throw reader.error("pause_after_failures", "\"\(text)\" is not allowed; use 1 to 100") }
            config.pauseAfterFailures = value
        }
        try reader.finish(allowed: keys)
        return config
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }
}
