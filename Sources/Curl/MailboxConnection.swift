import CCurl
import CCurlShims

/// One libcurl easy handle for an IMAP or POP3 mailbox, configured once and
/// reused (libcurl keeps the connection and its login between transfers).
///
/// Owns the transport settings (protocols restricted, TLS never
/// opportunistic), and, for each transfer, what came back: the body (write
/// callback), the server's lines (header callback) and the verbs of the
/// commands libcurl sent (debug callback; verbs only, the login carries the password).
final class MailboxConnection {
    let settings: MailboxSettings
    let endpoint: MailboxEndpoint
    private let easy = CurlEasy()
    /// What the last transfer wrote as its body.
    private(set) var body: [UInt8] = []
    /// The server's lines during the last transfer, without CRLF, each at most `maxLineBytes`.
    private(set) var lines: [String] = []
    /// The commands libcurl sent during the last transfer (verbs: SELECT, UID, RETR ...).
    private(set) var verbs: [String] = []
    /// Set when the last transfer failed because a kept connection was closed (and was not tried again).
    private(set) var lostKeptConnection = false
    /// Set when the body grew beyond `maxBodyBytes` (the transfer is aborted).
    private var overflow = false

    static let maxBodyBytes = 64 << 20
    static let maxLineBytes = 4096
    static let maxLines = 20_000
    private static let knownVerbs: Set<String> = [
        "CAPABILITY", "STARTTLS", "AUTHENTICATE", "LOGIN", "SELECT", "EXAMINE", "UID", "CREATE", "SUBSCRIBE", "LOGOUT", "LIST",
        "CAPA", "STLS", "AUTH", "USER", "PASS", "APOP", "UIDL", "RETR", "QUIT",
    ]

    init(settings: MailboxSettings, endpoint: MailboxEndpoint) throws(MailboxError) {
        self.settings = settings
        self.endpoint = endpoint
        let protocols = endpoint.mailProtocol == .imap ? "imap,imaps" : "pop3,pop3s"
        for option in [CURLOPT_PROTOCOLS_STR, CURLOPT_REDIR_PROTOCOLS_STR] {
            let code = easy.set(option, protocols)
            guard code == CURLE_OK else {
                throw MailboxError(kind: .invalidSettings, url: settings.url,
                                   message: "this libcurl cannot restrict protocols to \(protocols) (\(String(cString: curl_easy_strerror(code)))): install libcurl 7.85 or later, built with IMAP and POP3")
            }
        }
        // CURLUSESSL_ALL: STARTTLS must succeed; never _TRY, which would fall back to plaintext.
        easy.set(CURLOPT_USE_SSL, Int((settings.tls == .none ? CURLUSESSL_NONE : CURLUSESSL_ALL).rawValue))
        if let caFile = settings.caFile { easy.set(CURLOPT_CAINFO, caFile) }
        easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let username = settings.username { easy.set(CURLOPT_USERNAME, username) }
        if let password = settings.password { easy.set(CURLOPT_PASSWORD, password) }
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
        easy.set(CURLOPT_TIMEOUT_MS, Int(settings.timeout * 1000))
        easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(settings.timeout.rounded(.up))))

        let me = Unmanaged.passUnretained(self).toOpaque()
        easy.set(CURLOPT_WRITEFUNCTION, callback: { data, size, count, userdata in
            guard let userdata else { return 0 }
            let connection = Unmanaged<MailboxConnection>.fromOpaque(userdata).takeUnretainedValue()
            return connection.write(UnsafeRawBufferPointer(start: data, count: size * count))
        })
        easy.set(CURLOPT_WRITEDATA, pointer: me)
        easy.set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, userdata in
            guard let userdata else { return 0 }
            let connection = Unmanaged<MailboxConnection>.fromOpaque(userdata).takeUnretainedValue()
            connection.received(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        })
        easy.set(CURLOPT_HEADERDATA, pointer: me)
        easy.set(CURLOPT_DEBUGFUNCTION, debugCallback: { _, type, data, size, userdata in
            guard type == CURLINFO_HEADER_OUT, let data, let userdata else { return 0 }
            let connection = Unmanaged<MailboxConnection>.fromOpaque(userdata).takeUnretainedValue()
            connection.sent(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        easy.set(CURLOPT_DEBUGDATA, pointer: me)
        easy.set(CURLOPT_VERBOSE, 1)
    }

    /// One transfer: `url` (the mailbox's base URL plus a path), with
    /// `command` as CURLOPT_CUSTOMREQUEST (nil: libcurl's own request for the
    /// URL, such as a fetch). `noBody` for a POP3 command answered in one line.
    /// Returns whether libcurl had to open a new connection for it.
    ///
    /// A kept connection the server has closed meanwhile (idle timeout,
    /// restart) fails at once; that transfer is tried once more on a new
    /// connection. Every command used is safe to repeat: reads (POP3 has only those), STORE +FLAGS,
    /// a MOVE or COPY of a UID already moved, CREATE of a folder that exists.
    /// With `retry` false, such a failure is thrown and `lostKeptConnection` says so.
    @discardableResult
    func perform(_ url: String, command: String? = nil, noBody: Bool = false, retry: Bool = true) throws(MailboxError) -> Bool {
        easy.set(CURLOPT_URL, url)
        if let command { easy.set(CURLOPT_CUSTOMREQUEST, command) } else { easy.set(CURLOPT_CUSTOMREQUEST, pointer: nil) }
        easy.set(CURLOPT_NOBODY, noBody ? 1 : 0)
        var code = transfer()
        var newConnection = easy.infoLong(CURLINFO_NUM_CONNECTS) > 0
        // A POP3 server that closes says "-ERR" first, which libcurl reports as a weird reply (8).
        var lost: Set<UInt32> = [CURLE_RECV_ERROR.rawValue, CURLE_SEND_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue]
        if endpoint.mailProtocol == .pop3 { lost.insert(CURLE_WEIRD_SERVER_REPLY.rawValue) }
        lostKeptConnection = !newConnection && lost.contains(code.rawValue)
        if lostKeptConnection && retry {
            lostKeptConnection = false
            easy.set(CURLOPT_FRESH_CONNECT, 1)
            code = transfer()
            easy.set(CURLOPT_FRESH_CONNECT, 0)
            newConnection = true
        }
        guard code == CURLE_OK else {
            if overflow {
                throw MailboxError(kind: .tooLarge, url: settings.url,
                                   message: "a message is larger than \(Self.maxBodyBytes >> 20) MB; it is left in the mailbox, flagged for a person",
                                   curlCode: Int(code.rawValue))
            }
            let reply = lines.last { !$0.hasPrefix("* ") && !$0.hasPrefix("+ ") }
            throw MailboxError.from(code: code, settings: settings, endpoint: endpoint, curlMessage: easy.errorMessage,
                                    lastVerb: verbs.last, reply: reply.map { MailboxError.printable(String($0.prefix(300))) })
        }
        return newConnection
    }

    private func transfer() -> CURLcode {
        body.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        verbs.removeAll(keepingCapacity: true)
        overflow = false
        return easy.perform()
    }

    /// The body of the last transfer as text lines (CRLF or LF removed).
    var bodyLines: [String] {
        // Split as bytes: "\r\n" is one Character, never equal to "\n".
        body.split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= Self.maxBodyBytes else {
            overflow = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard lines.count < Self.maxLines else { return }
        var line = bytes.prefix(Self.maxLineBytes)[...]
        while let last = line.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { line = line.dropLast() }
        lines.append(String(decoding: line, as: UTF8.self))
    }

    /// Keeps the verb of a command line: the first word (POP3), or the word
    /// after libcurl's tag (IMAP, "A003 SELECT ..."); SASL lines are dropped.
    private func sent(_ bytes: UnsafeRawBufferPointer) {
        let words = String(decoding: bytes.prefix(64), as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" })
        for word in words.prefix(2) {
            let verb = word.uppercased()
            if Self.knownVerbs.contains(verb) {
                verbs.append(verb)
                return
            }
        }
    }
}
