import Crypto
import Foundation

/// A message read from the return mailbox (a bounce, a complaint, a mailed
/// unsubscribe, or anything else), parsed as far as classifying it needs:
/// its header fields (unfolded), its body, and for a multipart body its
/// parts, each a `ReceivedMessage` itself (RFC 5322, RFC 2045/2046).
///
/// Lenient by design: mail from the wild breaks the rules (bare LF line
/// ends, missing boundaries, unknown charsets), and a message that cannot
/// be parsed as MIME is still read as headers and text.
public struct ReceivedMessage: Sendable {
    /// Header fields in order: name as written, value unfolded (without the CRLFs of folding).
    public let fields: [(name: String, value: String)]
    /// The body as sent, undecoded.
    public let rawBody: [UInt8]
    /// The parts of a multipart body (empty otherwise); a `message/rfc822`
    /// part's content is its one part.
    public let parts: [ReceivedMessage]

    /// How deep multiparts are followed: a report quotes a message that may quote another.
    static let maxDepth = 8

    public init(_ bytes: [UInt8]) {
        self.init(bytes, depth: 0)
    }

    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    private init(_ bytes: [UInt8], depth: Int) {
        let (fields, bodyStart) = Self.parseHeader(bytes)
        self.fields = fields
        rawBody = Array(bytes[bodyStart...])
        var parts: [ReceivedMessage] = []
        if depth < Self.maxDepth {
            let type = Self.contentType(fields)
            if type.type.hasPrefix("multipart/"), let boundary = type.parameters["boundary"], !boundary.isEmpty {
                parts = Self.split(rawBody, boundary: boundary).map { ReceivedMessage($0, depth: depth + 1) }
            } else if type.type == "message/rfc822" || type.type == "message/global" || type.type == "text/rfc822-headers" {
                parts = [ReceivedMessage(Self.decode(rawBody, transferEncoding: Self.value("content-transfer-encoding", in: fields)), depth: depth + 1)]
            }
        }
        self.parts = parts
    }

    /// The first field named `name` (any case), unfolded and trimmed.
    public subscript(_ name: String) -> String? {
        Self.value(name, in: fields)
    }

    /// Every field named `name` (any case), in order.
    public func all(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The media type, lower-cased (`text/plain` when none is given), and its parameters (names lower-cased).
    public var contentType: (type: String, parameters: [String: String]) {
        Self.contentType(fields)
    }

    /// The body with its transfer encoding (base64, quoted-printable) undone,
    /// as text: UTF-8 where it is valid, else Latin-1 (every byte a character).
    public var text: String {
        latin1OrUTF8(Self.decode(rawBody, transferEncoding: self["content-transfer-encoding"]))
    }

    /// This message and every part inside it, depth first.
    public var allParts: [ReceivedMessage] {
        [self] + parts.flatMap(\.allParts)
    }

    // MARK: Parsing

    private static func value(_ name: String, in fields: [(name: String, value: String)]) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The header fields and where the body starts (after the first empty line; the end when there is none).
    private static func parseHeader(_ bytes: [UInt8]) -> ([(name: String, value: String)], Int) {
        var fields: [(name: String, value: String)] = []
        var lineStart = 0
        var current: (name: String, value: [UInt8])?
        func flush() {
            if let field = current {
                fields.append((field.name, latin1OrUTF8(field.value).trimmingCharacters(in: .whitespaces)))
            }
            current = nil
        }
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let next = min(bytes.count, lineEnd + 1)
            if contentEnd == lineStart {
                flush()
                return (fields, next)
            }
            let line = bytes[lineStart..<contentEnd]
            if line.first == 0x20 || line.first == 0x09 {
                // A folded continuation: the line break goes, the whitespace stays.
                current?.value += line
            } else if let colon = line.firstIndex(of: 0x3A), colon > lineStart {
                flush()
                let name = String(decoding: bytes[lineStart..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                current = (name, Array(bytes[(colon + 1)..<contentEnd]))
            } else if fields.isEmpty && current == nil {
                // Not a header at all (an mbox "From " line, or a body without one): all of it is body.
                if lineStart == 0 && line.starts(with: Array("From ".utf8)) {
                    lineStart = next
                    continue
                }
                return ([], 0)
            }
            lineStart = next
        }
        flush()
        return (fields, bytes.count)
    }

    private static func contentType(_ fields: [(name: String, value: String)]) -> (type: String, parameters: [String: String]) {
        guard let value = Self.value("content-type", in: fields) else { return ("text/plain", [:]) }
        var pieces = splitParameters(value)
        let type = pieces.isEmpty ? "text/plain" : pieces.removeFirst().trimmingCharacters(in: .whitespaces).lowercased()
        var parameters: [String: String] = [:]
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if parameters[name] == nil { parameters[name] = value }
        }
        return (type.isEmpty ? "text/plain" : type, parameters)
    }

    /// `a; b="x;y"; c` as `["a", " b=\"x;y\"", " c"]`: semicolons inside quotes do not split.
    private static func splitParameters(_ value: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if character == ";" && !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        return pieces
    }

    /// The parts between `--boundary` lines, up to `--boundary--` (or the end).
    private static func split(_ body: [UInt8], boundary: String) -> [[UInt8]] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [[UInt8]] = []
        var partStart: Int?
        var lineStart = 0
        while lineStart < body.count {
            var lineEnd = lineStart
            while lineEnd < body.count && body[lineEnd] != 0x0A { lineEnd += 1 }
            let next = min(body.count, lineEnd + 1)
            let line = body[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                if let start = partStart {
                    // The line break before a delimiter belongs to the delimiter.
                    var end = lineStart
                    if end > start && body[end - 1] == 0x0A { end -= 1 }
                    if end > start && body[end - 1] == 0x0D { end -= 1 }
                    parts.append(Array(body[start..<max(start, end)]))
                }
                if rest.starts(with: [0x2D, 0x2D]) { return parts }
                partStart = next
            }
            lineStart = next
        }
        if let start = partStart, start < body.count { parts.append(Array(body[start...])) }
        return parts
    }

    static func decode(_ bytes: [UInt8], transferEncoding: String?) -> [UInt8] {
        switch transferEncoding?.trimmingCharacters(in: .whitespaces).lowercased() {
        case "base64":
            let compact = bytes.filter { !($0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09) }
            var text = String(decoding: compact, as: UTF8.self)
            while text.count % 4 != 0 { text += "=" }
            return Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { Array($0) } ?? bytes
        case "quoted-printable":
            return decodeQuotedPrintable(bytes)
        default:
            return bytes
        }
    }

    private static func decodeQuotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var k = 0
        while k < bytes.count {
            let byte = bytes[k]
            if byte == 0x3D {
                // A soft line break (=CRLF or =LF), or =XX.
                if k + 1 < bytes.count && bytes[k + 1] == 0x0A { k += 2; continue }
                if k + 2 < bytes.count && bytes[k + 1] == 0x0D && bytes[k + 2] == 0x0A { k += 3; continue }
                if k + 2 < bytes.count, let high = hex(bytes[k + 1]), let low = hex(bytes[k + 2]) {
                    out.append(high << 4 | low)
                    k += 3
                    continue
                }
            }
            out.append(byte)
            k += 1
        }
        return out
    }
}

/// Bytes as text: UTF-8 where valid, else each byte as the Latin-1 character.
func latin1OrUTF8(_ bytes: [UInt8]) -> String {
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
}

extension ReceivedMessage {
    /// SHA-256 of a message's bytes, lower-case hex: what tells the same
    /// message again under another mailbox key.
    public static func contentHash(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
