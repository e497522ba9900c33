/// One message waiting in the return mailbox.
public struct MailboxEntry: Sendable, Hashable {
    /// The IMAP UID or the POP3 UIDL.
    public let uid: String
    /// Stable across connections: `imap:<UIDVALIDITY>:<UID>` or `pop3:<UIDL>`.
    public let key: String
    /// POP3: the message number in the session that listed it (for RETR); 0 for IMAP.
    let number: Int

    init(uid: String, key: String, number: Int = 0) {
        self.uid = uid
        self.key = key
        self.number = number
    }

    public static func == (left: MailboxEntry, right: MailboxEntry) -> Bool { left.key == right.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// The return ("bounce") mailbox, read over IMAP or POP3 through libcurl:
/// one connection (one easy handle, reused); not thread-safe.
///
/// Owns what each protocol does for list, fetch, "processed" and "leave";
/// the wire details are `IMAPMailbox` and `POP3Mailbox`. Never deletes or
/// expunges a message, and never changes whether a message was read.
/// Connects on the first call, not in `init`.
public final class ReturnMailbox {
    private let session: any MailboxSession
    public let mailProtocol: MailboxProtocol

    /// Checks the settings (scheme against TLS, folder names, no
    /// credentials in the URL); throws `.invalidSettings` with what to change.
    public init(settings: MailboxSettings) throws(MailboxError) {
        let endpoint = try MailboxEndpoint(settings: settings)
        let connection = try MailboxConnection(settings: settings, endpoint: endpoint)
        mailProtocol = endpoint.mailProtocol
        switch endpoint.mailProtocol {
        case .imap: session = IMAPMailbox(connection)
        case .pop3: session = POP3Mailbox(connection)
        }
    }

    /// False for POP3: the caller must remember the keys it handled itself.
    public var canMoveOrFlag: Bool { mailProtocol == .imap }

    /// The messages to handle, oldest first. IMAP: those in the folder that
    /// are not deleted and carry none of Paperboy's keywords; POP3: all.
    public func pending() throws(MailboxError) -> [MailboxEntry] {
        try session.pending()
    }

    /// The message's raw bytes, as the server has them; its \Seen flag stays as it was.
    public func fetch(_ entry: MailboxEntry) throws(MailboxError) -> [UInt8] {
        try session.fetch(entry)
    }

    /// IMAP: moves the message to the processed folder (made on first use);
    /// without MOVE, copies it there and marks it `$PaperboyProcessed` and \Seen.
    /// POP3: nothing (messages are never deleted).
    public func markProcessed(_ entry: MailboxEntry) throws(MailboxError) {
        try session.markProcessed([entry])
    }

    /// `markProcessed` for many messages, in one command per 200 (a UID set).
    public func markProcessed(_ entries: [MailboxEntry]) throws(MailboxError) {
        try session.markProcessed(entries)
    }

    /// IMAP: leaves the message where it is with `$PaperboyIgnored` (an
    /// auto-reply, say) or, `forPerson`, `$PaperboyUnknown` and \Flagged for
    /// a person to read; \Seen is not touched. POP3: nothing.
    public func leave(_ entry: MailboxEntry, forPerson: Bool) throws(MailboxError) {
        try session.leave([entry], forPerson: forPerson)
    }

    /// `leave` for many messages, in one command per 200 (a UID set).
    public func leave(_ entries: [MailboxEntry], forPerson: Bool) throws(MailboxError) {
        try session.leave(entries, forPerson: forPerson)
    }
}

/// What `ReturnMailbox` asks of a protocol.
protocol MailboxSession: AnyObject {
    func pending() throws(MailboxError) -> [MailboxEntry]
    func fetch(_ entry: MailboxEntry) throws(MailboxError) -> [UInt8]
    func markProcessed(_ entries: [MailboxEntry]) throws(MailboxError)
    func leave(_ entries: [MailboxEntry], forPerson: Bool) throws(MailboxError)
}
