import Foundation
import PaperboyCore

/// Reads back a message Paperboy composed (an outbox row's bytes) for
/// "View in browser": its HTML part, decoded from quoted-printable or
/// base64 to text. Knows the shapes `MIMEComposer` writes (one text/plain
/// part, or multipart/alternative of text and HTML), with or without a
/// DKIM-Signature header in front.
public enum SentMessage {
    /// One decoded leaf part: its media type (lower-case) and text.
    public struct Part: Sendable, Equatable {
        public var type: String
        public var text: String
    }

    /// The HTML to show for a sent message: its HTML part as it was sent;
    /// for a text-only message, a page with its text part escaped in a `<pre>`.
    /// Nil when the bytes hold neither.
    public static func browserHTML(_ bytes: [UInt8]) -> String? {
        let parts = parts(bytes)
        if let html = parts.first(where: { $0.type == "text/html" }) { return html.text }
        guard let text = parts.first(where: { $0.type == "text/plain" }) else { return nil }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your digest</title></head>
            <body><p>This digest was sent as plain text; this is its text.</p>
            <pre style="white-space:pre-wrap;font-family:monospace;">\(HTMLText.escape(text.text))</pre>
            </body>
            </html>

            """
    }

    /// The leaf parts of a message, in order, decoded.
    public static func parts(_ bytes: [UInt8]) -> [Part] {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return parts(entity: Substring(text), depth: 0)
    }

    private static func parts(entity: Substring, depth: Int) -> [Part] {
        let (headers, body) = split(entity)
        let (type, parameters) = contentType(headers["content-type"] ?? "text/plain")
        if type.hasPrefix("multipart/") {
            guard depth < 4, let boundary = parameters["boundary"], !boundary.isEmpty else { return [] }
            var found: [Part] = []
            let delimiter = "--" + boundary
            var pieces = body.components(separatedBy: "\n" + delimiter)
            // The first delimiter may open the body without a line break before it.
            if let first = pieces.first, first.hasPrefix(delimiter) { pieces[0] = String(first.dropFirst(delimiter.count)) } else { pieces.removeFirst() }
            for piece in pieces {
                if piece.hasPrefix("--") { break }   // the closing delimiter
                guard let start = piece.firstIndex(of: "\n") else { continue }
                found += parts(entity: piece[piece.index(after: start)...], depth: depth + 1)
            }
            return found
        }
        let encoding = (headers["content-transfer-encoding"] ?? "7bit").lowercased()
        let decoded: [UInt8]
        switch encoding {
        case "quoted-printable": decoded = quotedPrintable(body)
        case "base64": decoded = Array(Data(base64Encoded: body.filter { !$0.isWhitespace }) ?? Data())
        default: decoded = Array(body.utf8)
        }
        let charset = parameters["charset"]?.lowercased() ?? "utf-8"
        let string = charset == "utf-8" || charset == "us-ascii"
            ? String(decoding: decoded, as: UTF8.self)
            : String(data: Data(decoded), encoding: .isoLatin1) ?? String(decoding: decoded, as: UTF8.self)
        return [Part(type: type, text: string)]
    }

    /// Header fields (names lower-cased, folded lines joined) and the body after the blank line.
    private static func split(_ entity: Substring) -> (headers: [String: String], body: String) {
        var headers: [String: String] = [:]
        var lastName: String?
        var rest = entity
        while let end = rest.firstIndex(of: "\n") {
            let line = rest[..<end]
            rest = rest[rest.index(after: end)...]
            if line.isEmpty { return (headers, String(rest)) }
            if line.first == " " || line.first == "\t", let name = lastName {
                headers[name, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lastName = name
            }
        }
        return (headers, "")
    }

    /// `text/html; charset=utf-8` → ("text/html", ["charset": "utf-8"]).
    private static func contentType(_ value: String) -> (String, [String: String]) {
        let pieces = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            parameters[piece[..<equals].lowercased().trimmingCharacters(in: .whitespaces)] = value
        }
        return ((pieces.first ?? "text/plain").lowercased(), parameters)
    }

    /// Quoted-printable (RFC 2045 §6.7) to bytes: soft line breaks removed, `=XX` decoded.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let input = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        while index < input.count {
            let byte = input[index]
            guard byte == UInt8(ascii: "=") else {
                out.append(byte)
                index += 1
                continue
            }
            if index + 1 < input.count, input[index + 1] == UInt8(ascii: "\n") {
                index += 2   // soft line break
            } else if index + 2 < input.count, let high = hex(input[index + 1]), let low = hex(input[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }
}
