import Foundation
import PaperboyCore
import Testing

/// Messages and checks shared by the MIME tests (Core) and the interop
/// tests that hand composed messages to Python's email and dkimpy (Pipeline).
public enum MailSamples {
    public static let hostileSubject = "Hello\r\nBcc: x@y.org\u{0} " + String(repeating: "Supercalifragilistic", count: 15)
        + " 🎉👩‍👩‍👧‍👦 مرحبا بالعالم שלום עולם\u{7}\r\nX-Evil: 1"
    public static let hostileName = "Eve\r\nBcc: x@y.org\u{0} שלום 🎉 \"the\" <b> مرحبا " + String(repeating: "x", count: 300)

    public static func address(_ text: String) -> EmailAddress {
        try! EmailAddress(parsing: text)
    }

    public static func message(
        subject: String = "Your papers for Sunday",
        fromName: String? = "Paperboy",
        toName: String? = "Ada Lovelace",
        text: String = "Hello Ada,\n\nTen papers today.\n",
        html: String? = "<p>Hello Ada,</p>\n<p>Ten papers today.</p>\n",
        listUnsubscribe: [String] = ["https://digest.example.org/unsubscribe?t=abc123", "mailto:unsubscribe@digest.example.org?subject=unsubscribe%20abc123"],
        oneClick: Bool = true
    ) -> MailMessage {
        MailMessage(
            from: MailAddress(email: address("digest@example.org"), displayName: fromName),
            to: MailAddress(email: address("ada@example.com"), displayName: toName),
            subject: subject,
            date: Date(timeIntervalSince1970: 1_795_939_200),
            messageID: "20261129080000.42.ada@example.org",
            listID: "Paperboy digest <digest.example.org>",
            listUnsubscribe: listUnsubscribe,
            oneClick: oneClick,
            textBody: text,
            htmlBody: html
        )
    }

    /// Text with everything quoted-printable must handle.
    public static let awkwardText = "Dear reader,\r\nline with trailing spaces   \nline with a tab\t\n.starts with a dot\nFrom here on\n"
        + "a=b and =?utf-8?q?not-a-word?= and =_boundary-like\n"
        + String(repeating: "long line with words ", count: 20) + "\n"
        + String(repeating: "é😀€", count: 40) + "\n"
        + "مرحبا بالعالم — שלום עולם — 👩‍👩‍👧‍👦\rold Mac line\n\n\n"
    public static let awkwardHTML = "<!doctype html><html><body><p style=\"margin:0\">" + String(repeating: "<a href=\"https://arxiv.org/abs/2312.02896?a=1&amp;b=2\">Paper – “quoted” ✓</a> ", count: 30)
        + "</p>\n<p>.dot</p>\n</body></html>"

    // MARK: Parsing helpers

    public struct Parsed {
        public var headerLines: [String]
        /// Unfolded fields: (lower-cased name, value without the space after the colon).
        public var fields: [(name: String, value: String)]
        public var body: String
        public var lines: [String]

        public func values(_ name: String) -> [String] { fields.filter { $0.name == name.lowercased() }.map(\.value) }
        public func value(_ name: String) -> String? { values(name).first }
    }

    public static func parse(_ bytes: [UInt8]) -> Parsed {
        let text = String(decoding: bytes, as: UTF8.self)
        let separator = text.range(of: "\r\n\r\n")!
        let header = String(text[..<separator.lowerBound])
        let headerLines = header.components(separatedBy: "\r\n")
        var fields: [(name: String, value: String)] = []
        for line in headerLines {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                fields[fields.count - 1].value += line
            } else {
                let colon = line.firstIndex(of: ":")!
                var value = String(line[line.index(after: colon)...])
                if value.hasPrefix(" ") { value.removeFirst() }
                fields.append((String(line[..<colon]).lowercased(), value))
            }
        }
        return Parsed(headerLines: headerLines, fields: fields, body: String(text[separator.upperBound...]), lines: text.components(separatedBy: "\r\n"))
    }

    public static func encodedWords(in line: String) -> [Substring] {
        line.split(separator: " ").filter { $0.hasPrefix("=?") }
    }

    public enum HeaderLimit { public static let preferred = 78 }

    /// Checks what every composed message must satisfy.
    public static func expectWellFormed(_ bytes: [UInt8], headerLimit: Int = HeaderLimit.preferred, sourceLocation: SourceLocation = #_sourceLocation) {
        // CRLF only, no NUL.
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)", sourceLocation: sourceLocation) }
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)", sourceLocation: sourceLocation) }
            #expect(byte != 0, "NUL at \(index)", sourceLocation: sourceLocation)
        }
        #expect(bytes.suffix(2) == [0x0D, 0x0A], sourceLocation: sourceLocation)
        let parsed = parse(bytes)
        for line in parsed.lines { #expect(line.utf8.count <= 998, sourceLocation: sourceLocation) }
        for line in parsed.headerLines {
            // Longer only when the line is one token that cannot be folded (a 300-letter word).
            let content = line.hasPrefix(" ") ? line.dropFirst() : line.drop { $0 != ":" }.dropFirst(2)
            let singleToken = !content.contains(" ")
            #expect(line.utf8.count <= headerLimit || singleToken, "header line of \(line.utf8.count): \(line)", sourceLocation: sourceLocation)
            #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "non-ASCII or control in \(line)", sourceLocation: sourceLocation)
            for word in encodedWords(in: line) {
                #expect(word.utf8.count <= 75, "encoded-word of \(word.utf8.count): \(word)", sourceLocation: sourceLocation)
            }
        }
        for line in parsed.body.components(separatedBy: "\r\n") where !line.hasPrefix("--=_paperboy_") {
            #expect(line.utf8.count <= 76, "body line of \(line.utf8.count): \(line)", sourceLocation: sourceLocation)
        }
        let names = parsed.fields.map(\.name)
        #expect(names.filter { $0 == "subject" }.count == 1, sourceLocation: sourceLocation)
        #expect(!names.contains("bcc") && !names.contains("x-evil"), sourceLocation: sourceLocation)
        #expect(Set(names).count == names.count, "a header appears twice: \(names)", sourceLocation: sourceLocation)
    }

    /// Decodes quoted-printable lines (for the encoder tests).
    public static func decodeQP(_ encoded: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        func hex(_ byte: UInt8) -> UInt8 { byte <= 0x39 ? byte - 0x30 : byte - 0x41 + 10 }
        while index < encoded.count {
            let byte = encoded[index]
            if byte == 0x3D {
                if encoded[index + 1] == 0x0D { index += 3; continue }
                out.append(hex(encoded[index + 1]) << 4 | hex(encoded[index + 2]))
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    public static func qpLines(_ encoded: [UInt8]) -> [String] {
        String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
    }
}
