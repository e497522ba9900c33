/// One message for one recipient.
public struct SMTPEnvelope: Sendable {
    /// The caller's id for the message (the outbox row id), handed back with its outcome.
    public var tag: Int64
    /// The envelope sender (MAIL FROM); empty for the null sender `<>`.
    public var from: String
    /// The one recipient (RCPT TO).
    public var to: String
    /// The message, lines ending in CRLF. libcurl dot-stuffs it and adds the final dot.
    public var message: [UInt8] { body.bytes }
    /// The message itself, or how to fetch it right before its transfer.
    public let body: SMTPBody

    public init(tag: Int64, from: String, to: String, message: [UInt8]) {
        self.init(tag: tag, from: from, to: to, body: .bytes(message))
    }

    public init(tag: Int64, from: String, to: String, body: SMTPBody) {
        self.tag = tag
        self.from = from
        self.to = to
        self.body = body
    }
}

/// An envelope's message: its bytes, or a loader the connection's thread
/// calls right before the transfer (so that reading a batch of messages
/// from a store is spread over the connections, and no message is held in
/// memory longer than its transfer). A loader that throws ends the
/// envelope `.temporary`, not sent, with the error in the hint.
public enum SMTPBody: Sendable {
    case bytes([UInt8])
    case load(@Sendable () throws -> [UInt8])

    /// The bytes, loading them if need be; empty when the loader throws.
    var bytes: [UInt8] {
        switch self {
        case .bytes(let bytes): bytes
        case .load(let load): (try? load()) ?? []
        }
    }
}

/// How sending one envelope ended.
public enum SMTPOutcome: Sendable, Equatable {
    /// The server took responsibility for the message; `reply` is its final reply
    /// (such as "250 2.0.0 Ok: queued as ABC").
    case sent(reply: String)
    /// A 4xx reply, a lost or refused connection, a timeout, a TLS or
    /// configuration problem: retry later. `reply` is the server's reply when there was one.
    case temporary(reply: String, curlCode: Int, hint: String)
    /// A 5xx reply, a wrong password, or an envelope address that cannot be sent: do not retry.
    case permanent(reply: String, curlCode: Int, hint: String)

    /// The server's reply, or "" when it never answered.
    public var reply: String {
        switch self {
        case .sent(let reply), .temporary(let reply, _, _), .permanent(let reply, _, _): reply
        }
    }

    /// The three-digit SMTP code at the start of `reply`, if any.
    public var replyCode: Int? {
        SMTPReply.code(of: reply)
    }
}

extension SMTPEnvelope {
    /// Why `from` or `to` cannot go into MAIL FROM / RCPT TO, or nil.
    /// libcurl sends the address as given: a CR or LF in it would inject SMTP commands.
    var addressProblem: String? {
        if let problem = Self.problem(in: to, role: "recipient", allowEmpty: false) { return problem }
        return Self.problem(in: from, role: "sender", allowEmpty: true)
    }

    private static func problem(in address: String, role: String, allowEmpty: Bool) -> String? {
        if address.isEmpty {
            return allowEmpty ? nil : "the envelope \(role) address is empty"
        }
        // The common case, a plain address, costs one pass over its bytes.
        var badCharacter: UInt8?
        var atIndex: Int?
        var count = 0
        for byte in address.utf8 {
            switch byte {
            case 0x00...0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"):
                badCharacter = badCharacter ?? byte
            case UInt8(ascii: "@"):
                atIndex = count
            default:
                break
            }
            count += 1
        }
        var shown: String {
            String(address.unicodeScalars.prefix(100).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        }
        if count > 254 {
            return "the envelope \(role) address \"\(shown)…\" is longer than 254 bytes"
        }
        if let badCharacter {
            return badCharacter == UInt8(ascii: "<") || badCharacter == UInt8(ascii: ">")
                ? "the envelope \(role) address \"\(shown)\" contains < or >: give the bare address (user@example.org)"
                : "the envelope \(role) address \"\(shown)\" contains a space, CR, LF or another control character"
        }
        guard let atIndex, atIndex > 0, atIndex < count - 1 else {
            return "the envelope \(role) address \"\(shown)\" is not of the form user@domain"
        }
        return nil
    }
}

/// Helpers for SMTP reply text.
enum SMTPReply {
    /// The code at the start of a reply ("250 Ok" → 250), or nil.
    static func code(of reply: some StringProtocol) -> Int? {
        code(of: reply.utf8)
    }

    static func code(of bytes: some Collection<UInt8>) -> Int? {
        let digits = bytes.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
