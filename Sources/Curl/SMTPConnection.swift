import CCurl
import CCurlShims

/// One SMTP connection: an easy handle, configured once and reused for
/// message after message (libcurl keeps the connection open, so the next
/// transfer starts at MAIL FROM), and the message it is sending now.
final class SMTPConnection {
    let easy = CurlEasy()
    let recorder = SMTPReplyRecorder()
    /// The message being uploaded and how much of it libcurl has read.
    private var message: [UInt8] = []
    private var offset = 0
    /// Asked before the last part of the message is handed to libcurl (the
    /// server cannot complete the message without it): true to go on, false
    /// to abort the transfer so that the server discards the message (see `SMTPWorker`).
    private var beforeFinalDot: (() -> Bool)?
    /// Set when `beforeFinalDot` said no: the transfer was aborted before its
    /// final dot, so the message was not delivered.
    private(set) var heldBack = false
    /// The sender CURLOPT_MAIL_FROM holds (mostly the same for every message).
    private var mailFrom: String?

    /// Sets everything that stays the same from message to message.
    /// Throws when this libcurl cannot restrict protocols (fail closed).
    init(settings: SMTPSettings) throws(SMTPConfigError) {
        var url = settings.url
        while url.hasSuffix("/") { url.removeLast() }
        if let ehloName = settings.ehloName { url += "/" + ehloName }
        easy.set(CURLOPT_URL, url)
        for (option, value) in [(CURLOPT_PROTOCOLS_STR, "smtp,smtps"), (CURLOPT_REDIR_PROTOCOLS_STR, "smtp,smtps")] {
            let code = easy.set(option, value)
            guard code == CURLE_OK else {
                throw SMTPConfigError("this libcurl cannot restrict protocols to smtp and smtps (\(String(cString: curl_easy_strerror(code)))): install libcurl 7.85 or later, built with SMTP")
            }
        }
        switch settings.tls {
        case .starttls, .implicit:
            // CURLUSESSL_ALL: STARTTLS must succeed; never _TRY, which would fall back to plaintext.
            easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .none:
            easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        if let caFile = settings.caFile { easy.set(CURLOPT_CAINFO, caFile) }
        easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let username = settings.username, let password = settings.password {
            easy.set(CURLOPT_USERNAME, username)
            easy.set(CURLOPT_PASSWORD, password)
        }
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
        easy.set(CURLOPT_TIMEOUT_MS, Int(settings.timeout * 1000))
        // Whole seconds only in libcurl 7.88 (the _MS variant came in 8.6).
        easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(settings.commandTimeout.rounded(.up))))
        easy.set(CURLOPT_UPLOAD, 1)
        // 16 KB, libcurl's upload buffer before 7.62. With the 64 KB default,
        // the SMTP dot-stuffing buffer (twice the upload buffer) is 128 KB,
        // which glibc hands back to the kernel after every message and faults
        // in again for the next: 10-17% more CPU per message in the C loop.
        easy.set(CURLOPT_UPLOAD_BUFFERSIZE, 16 * 1024)

        let me = Unmanaged.passUnretained(self).toOpaque()
        easy.set(CURLOPT_READFUNCTION, callback: { buffer, size, count, userdata in
            let connection = Unmanaged<SMTPConnection>.fromOpaque(userdata!).takeUnretainedValue()
            return connection.read(into: buffer, capacity: size * count)
        })
        easy.set(CURLOPT_READDATA, pointer: me)
        // The server's replies: libcurl hands every SMTP reply line to the
        // header callback. (CURLOPT_DEBUGFUNCTION sees them too, but needs
        // CURLOPT_VERBOSE, whose logging cost about 3% of the throughput of the
        // plain C loop on this machine; `check()` turns it on to see the commands.)
        easy.set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, userdata in
            guard let data, let userdata else { return 0 }
            let connection = Unmanaged<SMTPConnection>.fromOpaque(userdata).takeUnretainedValue()
            connection.recorder.received(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        })
        easy.set(CURLOPT_HEADERDATA, pointer: me)
    }

    /// Also records the commands sent (verbs only), through CURLOPT_DEBUGFUNCTION
    /// and CURLOPT_VERBOSE: for `check()`, which must say which step failed.
    func recordCommands() {
        easy.set(CURLOPT_DEBUGFUNCTION, debugCallback: { _, type, data, size, userdata in
            guard type == CURLINFO_HEADER_OUT, let data, let userdata, size > 0 else { return 0 }
            let connection = Unmanaged<SMTPConnection>.fromOpaque(userdata).takeUnretainedValue()
            connection.recorder.sent(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        easy.set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        easy.set(CURLOPT_VERBOSE, 1)
    }

    /// Sets the per-message options for `envelope`; `beforeFinalDot`, if
    /// given, is asked once the body is read, before the final dot.
    func prepare(_ envelope: SMTPEnvelope, message: [UInt8], beforeFinalDot: (() -> Bool)? = nil) {
        self.message = message
        offset = 0
        self.beforeFinalDot = beforeFinalDot
        heldBack = false
        recorder.reset()
        easy.clearErrorMessage()
        if envelope.from != mailFrom {
            easy.set(CURLOPT_MAIL_FROM, "<\(envelope.from)>")
            mailFrom = envelope.from
        }
        easy.set(CURLOPT_MAIL_RCPT, list: ["<\(envelope.to)>"])
        easy.set(CURLOPT_INFILESIZE_LARGE, largeValue: Int64(message.count))
    }

    /// Forgets the message once its transfer ended.
    func finish() {
        message = []
        offset = 0
        beforeFinalDot = nil
    }

    /// CURLOPT_READFUNCTION: copies the next part of the message. Before it
    /// hands over the part that ends the message, it asks `beforeFinalDot`:
    /// libcurl knows the size (CURLOPT_INFILESIZE_LARGE, for SIZE=) and sends
    /// the final dot as soon as it has read that many bytes, without asking
    /// for more, so the last part is what must wait.
    private func read(into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) -> Int {
        guard let buffer else { return 0 }
        let count = min(capacity, message.count - offset)
        if offset + count == message.count, let ask = beforeFinalDot {
            beforeFinalDot = nil
            if !ask() {
                heldBack = true
                return Self.abortTransfer
            }
        }
        guard count > 0 else { return 0 }
        message.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// CURL_READFUNC_ABORT: libcurl ends the transfer with CURLE_ABORTED_BY_CALLBACK.
    static let abortTransfer = 0x1000_0000

    /// What the transfer that just ended with `code` means for its envelope.
    func outcome(_ code: CURLcode, settings: SMTPSettings) -> SMTPOutcome {
        if code == CURLE_OK { return .sent(reply: recorder.reply) }
        return SMTPFailure.classify(
            code: code,
            responseCode: easy.infoLong(CURLINFO_RESPONSE_CODE),
            newConnection: easy.infoLong(CURLINFO_NUM_CONNECTS) > 0,
            recorder: recorder,
            curlMessage: easy.errorMessage,
            settings: settings
        )
    }
}

/// The server's replies during one transfer (from the header callback) and,
/// for `check()`, the commands sent (from the debug callback). Only command
/// verbs are kept of what we send: the AUTH exchange carries the password.
///
/// Replies are kept as bytes in two reused buffers: a reply line costs no allocation.
final class SMTPReplyRecorder {
    /// The lines of the reply being read ("250-..." lines, then "250 ..."), each ending in "\n".
    private var current: [UInt8] = []
    private var currentLines = 0
    /// The start of a line that did not end yet, within `current`.
    private var lineStart = 0
    /// The last complete reply, lines separated by "\n".
    private var last: [UInt8] = []
    /// The code of the last complete reply, or nil.
    private(set) var replyCode: Int?
    /// Whether the server answered DATA with 354 in this transfer: from then
    /// on, a lost connection may mean the message arrived.
    private(set) var dataAccepted = false
    /// AUTH mechanisms from the last EHLO reply; nil when no EHLO reply was seen in this transfer.
    private(set) var authMechanisms: [String]?
    /// The verb of the last command sent (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA); only with `recordCommands()`.
    private(set) var lastCommand: String?
    /// The commands this transfer sent, in order (verbs only); only with `recordCommands()`.
    private(set) var commands: [String] = []
    /// Set once QUIT went out or 221 came in: libcurl closes a connection after
    /// a failure, and the "221 Bye" must not hide the reply that explains it.
    private var quitting = false

    private static let verbs: Set<String> = ["EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP", "VRFY", "EXPN", "HELP"]
    private static let maxLineBytes = 512
    private static let maxLines = 32

    func reset() {
        current.removeAll(keepingCapacity: true)
        currentLines = 0
        lineStart = 0
        last.removeAll(keepingCapacity: true)
        replyCode = nil
        dataAccepted = false
        authMechanisms = nil
        lastCommand = nil
        commands.removeAll(keepingCapacity: true)
        quitting = false
    }

    /// Whether any complete reply came in during this transfer.
    var sawReply: Bool { replyCode != nil || !last.isEmpty }

    /// The last complete reply, lines joined with "\n", control characters
    /// replaced with "?", at most 512 bytes a line; "" when there was none.
    var reply: String {
        String(decoding: last.map { $0 == UInt8(ascii: "\n") || ($0 >= 0x20 && $0 != 0x7F) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        guard !quitting else { return }
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                endLine()
            } else if byte != UInt8(ascii: "\r") && current.count - lineStart < Self.maxLineBytes {
                current.append(byte)
            }
            if quitting { return }
        }
    }

    func sent(_ bytes: UnsafeRawBufferPointer) {
        let word = bytes.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }.prefix(8)
        let verb = String(decoding: word, as: UTF8.self).uppercased()
        guard Self.verbs.contains(verb) else { return }
        if verb == "QUIT" {
            quitting = true
            return
        }
        lastCommand = verb
        commands.append(verb)
    }

    private func endLine() {
        let line = current[lineStart...]
        // "250-..." continues the reply; "250 ..." or "250" ends it.
        let isLast = line.count <= 3 || line[lineStart + 3] != UInt8(ascii: "-")
        let code = isLast ? SMTPReply.code(of: line) : nil
        if currentLines < Self.maxLines || isLast {
            current.append(UInt8(ascii: "\n"))
            currentLines += 1
        } else {
            current.removeSubrange(lineStart...)
        }
        lineStart = current.count
        guard isLast else { return }
        current.removeLast()  // the "\n" after the last line
        if code == 221 {
            // The answer to the QUIT libcurl sends when it closes the connection.
            quitting = true
        } else {
            swap(&last, &current)
            replyCode = code
            if code == 354 { dataAccepted = true }
            // A multi-line 250 lists the EHLO capabilities.
            if code == 250 && currentLines > 1 { readCapabilities() }
        }
        current.removeAll(keepingCapacity: true)
        currentLines = 0
        lineStart = 0
    }

    private func readCapabilities() {
        var mechanisms: [String] = []
        for line in last.split(separator: UInt8(ascii: "\n")).dropFirst() {
            let capability = String(decoding: line.dropFirst(4), as: UTF8.self).uppercased()
            if capability.hasPrefix("AUTH ") || capability.hasPrefix("AUTH=") {
                mechanisms += capability.dropFirst(5).split(separator: " ").map(String.init)
            }
        }
        authMechanisms = mechanisms
    }
}
