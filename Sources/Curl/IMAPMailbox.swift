/// The return mailbox over IMAP.
///
/// Owns which IMAP commands do what, and the one rule that makes reading
/// harmless: a message is only ever fetched while the folder is open
/// read-only (EXAMINE), so the server does not set \Seen. libcurl's own
/// fetch (`;UID=n`, which sends `UID FETCH n BODY[]` and reads the literal)
/// runs after a custom EXAMINE; changes (MOVE, STORE) run after a custom SELECT.
/// libcurl SELECTs the folder itself on a new connection; the verbs each
/// transfer sent say which mode the server is in.
final class IMAPMailbox: MailboxSession {
    private enum Mode { case closed, readOnly, readWrite }

    static let ignored = "$PaperboyIgnored"
    static let unknown = "$PaperboyUnknown"
    static let processed = "$PaperboyProcessed"

    private let connection: MailboxConnection
    /// The folder's URL for libcurl (`imap://host:port/INBOX`), and its name as a quoted string.
    private let folderURL: String
    private let quotedFolder: String
    private let quotedProcessed: String
    private var mode = Mode.closed
    private var uidValidity: String?
    private var capabilities: Set<String>?
    private var processedFolderExists = false
    /// Whether the folder keeps Paperboy's keywords (PERMANENTFLAGS has `\*`), once SELECTed.
    private var keepsKeywords: Bool?

    init(_ connection: MailboxConnection) {
        self.connection = connection
        // MailboxEndpoint checked both names already.
        let folder = (try? IMAPText.encodedName(connection.endpoint.folder)) ?? "INBOX"
        folderURL = connection.endpoint.base + "/" + MailboxEndpoint.percentEncoded(folder)
        quotedFolder = (try? IMAPText.quoted(connection.endpoint.folder)) ?? "\"INBOX\""
        quotedProcessed = (try? IMAPText.quoted(connection.settings.processedFolder)) ?? "\"Processed\""
    }

    func pending() throws(MailboxError) -> [MailboxEntry] {
        try open(readOnly: true)
        try run("UID SEARCH UNDELETED UNKEYWORD \(Self.ignored) UNKEYWORD \(Self.unknown) UNKEYWORD \(Self.processed)")
        guard let validity = uidValidity else {
            throw MailboxError(kind: .protocolError, url: connection.settings.url, message: "the server sent no UIDVALIDITY for \(quotedFolder)")
        }
        return Set(IMAPText.searchResults(connection.bodyLines)).sorted().map {
            MailboxEntry(uid: String($0), key: "imap:\(validity):\($0)")
        }
    }

    func fetch(_ entry: MailboxEntry) throws(MailboxError) -> [UInt8] {
        if mode != .readOnly { try open(readOnly: true) }
        var (validity, uid) = try current(entry)
        let fetchURL = { (validity: String) in self.folderURL + ";UIDVALIDITY=\(validity)/;UID=\(uid)" }
        do throws(MailboxError) {
            // Not tried again by the connection: on a new one libcurl would SELECT (read-write) first.
            try run(nil, url: fetchURL(validity), retry: false)
        } catch where connection.lostKeptConnection {
            try open(readOnly: true)
            (validity, uid) = try current(entry)
            try run(nil, url: fetchURL(validity))
        }
        let message = connection.body
        // A connection lost between the EXAMINE and the fetch: libcurl
        // SELECTed read-write before fetching, and the server may have set
        // \Seen. Dovecot reports FLAGS in the FETCH response when they
        // changed; take \Seen back then.
        let fetchLine = connection.lines.first { $0.hasPrefix("* ") && $0.uppercased().contains(" FETCH (") }
        if connection.verbs.contains("SELECT"), let fetchLine, let flags = fetchLine.uppercased().range(of: "FLAGS ("),
           fetchLine.uppercased()[flags.upperBound...].prefix(while: { $0 != ")" }).contains("\\SEEN") {
            try open(readOnly: false)
            try run("UID STORE \(uid) -FLAGS.SILENT (\\Seen)")
        }
        return message
    }

    func markProcessed(_ entries: [MailboxEntry]) throws(MailboxError) {
        for uids in try uidSets(entries) {
            if capabilities == nil {
                try run("CAPABILITY")
                capabilities = IMAPText.capabilities(connection.lines) ?? []
            }
            if capabilities?.contains("MOVE") == true {
                try intoProcessedFolder("UID MOVE \(uids)")
            } else {
                // Never expunge: the copy stays marked in this folder, out of `pending()`.
                // Without a keyword to mark it, every poll would copy it again.
                guard keepsKeywords != false else {
                    throw MailboxError(kind: .protocolError, url: connection.settings.url,
                                       message: "the server has no MOVE and keeps no keywords of its own in \(quotedFolder), so a handled message can be neither moved nor marked; it stays in place (nothing is applied twice): use a mail server with IMAP MOVE (RFC 6851)")
                }
                try intoProcessedFolder("UID COPY \(uids)")
                try run("UID STORE \(uids) +FLAGS.SILENT (\(Self.processed) \\Seen)")
            }
        }
    }

    func leave(_ entries: [MailboxEntry], forPerson: Bool) throws(MailboxError) {
        for uids in try uidSets(entries) {
            try run("UID STORE \(uids) +FLAGS.SILENT (\(forPerson ? "\(Self.unknown) \\Flagged" : Self.ignored))")
        }
    }

    /// The folder opened read-write, and the entries' UIDs as IMAP UID sets
    /// (`4,7,9`) of at most 200 each, one command per set. Entries from
    /// another UIDVALIDITY are left out (their messages are gone from this
    /// folder as it is now); when every entry is, the message is gone.
    private func uidSets(_ entries: [MailboxEntry]) throws(MailboxError) -> [String] {
        guard !entries.isEmpty else { return [] }
        try open(readOnly: false)
        var uids: [String] = []
        var gone: MailboxError?
        for entry in entries {
            do throws(MailboxError) {
                uids.append(try current(entry).1)
            } catch {
                gone = error
            }
        }
        if uids.isEmpty, let gone { throw gone }
        return stride(from: 0, to: uids.count, by: 200).map { uids[$0..<min($0 + 200, uids.count)].joined(separator: ",") }
    }

    /// Opens the folder read-only (EXAMINE) or read-write (SELECT), which also
    /// tells its UIDVALIDITY.
    private func open(readOnly: Bool) throws(MailboxError) {
        try run("\(readOnly ? "EXAMINE" : "SELECT") \(quotedFolder)")
        guard mode == (readOnly ? .readOnly : .readWrite) else {
            throw MailboxError(kind: .protocolError, url: connection.settings.url, message: "the folder \(quotedFolder) did not open \(readOnly ? "read-only" : "read-write")")
        }
    }

    /// The entry's UID, when its UIDVALIDITY is the folder's current one.
    private func current(_ entry: MailboxEntry) throws(MailboxError) -> (String, String) {
        guard let validity = uidValidity, entry.key == "imap:\(validity):\(entry.uid)", UInt32(entry.uid) != nil else {
            throw MailboxError(kind: .messageGone, url: connection.settings.url,
                               message: "the message \(entry.key) is not from this folder as it is now (its UIDVALIDITY changed): list the mailbox again")
        }
        return (validity, entry.uid)
    }

    /// Runs one transfer and follows what it did to the session: a new
    /// connection (libcurl logged in again), SELECT or EXAMINE, UIDVALIDITY.
    private func run(_ command: String?, url: String? = nil, retry: Bool = true) throws(MailboxError) {
        do throws(MailboxError) {
            if try connection.perform(url ?? folderURL, command: command, retry: retry) { capabilities = nil }
        } catch {
            mode = .closed
            throw error
        }
        for verb in connection.verbs {
            if verb == "SELECT" { mode = .readWrite }
            if verb == "EXAMINE" { mode = .readOnly }
        }
        if let validity = IMAPText.uidValidity(connection.lines) { uidValidity = validity }
        if connection.verbs.contains("SELECT"), let keeps = IMAPText.keepsKeywords(connection.lines) { keepsKeywords = keeps }
    }

    /// `command` with the processed folder's name appended; the folder is
    /// made (and subscribed, so mail programs show it) when the server says
    /// TRYCREATE.
    private func intoProcessedFolder(_ command: String) throws(MailboxError) {
        do throws(MailboxError) {
            try run("\(command) \(quotedProcessed)")
        } catch where !processedFolderExists && connection.lines.contains(where: { $0.uppercased().contains("[TRYCREATE]") }) {
            do throws(MailboxError) {
                try run("CREATE \(quotedProcessed)")
            } catch where connection.lines.contains(where: { $0.uppercased().contains("[ALREADYEXISTS]") }) {
            } catch {
                throw MailboxError(kind: .noSuchFolder, url: error.url,
                                   message: "the processed folder \(quotedProcessed) cannot be made: check bounce.processed_folder (\(error.message))",
                                   curlCode: error.curlCode)
            }
            try? run("SUBSCRIBE \(quotedProcessed)")
            try open(readOnly: false)
            try run("\(command) \(quotedProcessed)")
        }
        processedFolderExists = true
    }
}
