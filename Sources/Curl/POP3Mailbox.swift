/// The return mailbox over POP3: UIDL to list, RETR to fetch, nothing else.
///
/// Owns the mapping from UIDL (stable) to message number (valid for one
/// session only): the map is made again whenever libcurl had to open a new
/// connection. Never sends DELE: the caller remembers what it handled.
final class POP3Mailbox: MailboxSession {
    private let connection: MailboxConnection
    /// UIDL → message number, for the session that listed them; nil once that session may have ended.
    private var numbers: [String: Int]?

    init(_ connection: MailboxConnection) {
        self.connection = connection
    }

    func pending() throws(MailboxError) -> [MailboxEntry] {
        try list().map { MailboxEntry(uid: $0.uid, key: "pop3:\($0.uid)", number: $0.number) }
    }

    func fetch(_ entry: MailboxEntry) throws(MailboxError) -> [UInt8] {
        for _ in 0..<2 {
            if numbers == nil { _ = try list() }
            guard let number = numbers?[entry.uid] else {
                throw MailboxError(kind: .messageGone, url: connection.settings.url,
                                   message: "the message \(entry.key) is no longer in the mailbox: list it again")
            }
            // A new connection is a new session, whose numbers may differ: list again and retry.
            do throws(MailboxError) {
                if try connection.perform(connection.endpoint.base + "/\(number)", retry: false) {
                    numbers = nil
                    continue
                }
                return connection.body
            } catch where connection.lostKeptConnection {
                numbers = nil
            }
        }
        throw MailboxError(kind: .protocolError, url: connection.settings.url,
                           message: "the connection to the mail server kept breaking while fetching \(entry.key)")
    }

    func markProcessed(_ entries: [MailboxEntry]) throws(MailboxError) {}

    func leave(_ entries: [MailboxEntry], forPerson: Bool) throws(MailboxError) {}

    /// UIDL: every message's number and unique id, in the server's order (oldest first).
    private func list() throws(MailboxError) -> [(number: Int, uid: String)] {
        numbers = nil
        try connection.perform(connection.endpoint.base + "/", command: "UIDL")
        var result: [(number: Int, uid: String)] = []
        for line in connection.bodyLines {
            let words = line.split(separator: " ")
            guard words.count == 2, let number = Int(words[0]) else { continue }
            result.append((number, String(words[1])))
        }
        numbers = Dictionary(result.map { ($0.uid, $0.number) }, uniquingKeysWith: { first, _ in first })
        return result
    }
}
