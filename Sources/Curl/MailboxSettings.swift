/// Where and how to read the return ("bounce") mailbox over IMAP or POP3.
///
/// Owns the mailbox settings as the `Curl` module sees them (checked by
/// `MailboxEndpoint`); the config keys and their defaults belong to the caller.
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
