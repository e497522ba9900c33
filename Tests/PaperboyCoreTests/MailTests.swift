import Crypto
import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing
import _CryptoExtras

/// MIME composition, quoted-printable, RFC 2047 headers and DKIM signing.
@Suite struct MailTests {
    // MARK: Fixtures

    static let hostileSubject = "Hello\r\nBcc: x@y.org\u{0} " + String(repeating: "Supercalifragilistic", count: 15)
        + " 🎉👩‍👩‍👧‍👦 مرحبا بالعالم שלום עולם\u{7}\r\nX-Evil: 1"
    static let hostileName = "Eve\r\nBcc: x@y.org\u{0} שלום 🎉 \"the\" <b> مرحبا " + String(repeating: "x", count: 300)

    static func address(_ text: String) -> EmailAddress {
        try! EmailAddress(parsing: text)
    }

    static func message(
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
    static let awkwardText = "Dear reader,\r\nline with trailing spaces   \nline with a tab\t\n.starts with a dot\nFrom here on\n"
        + "a=b and =?utf-8?q?not-a-word?= and =_boundary-like\n"
        + String(repeating: "long line with words ", count: 20) + "\n"
        + String(repeating: "é😀€", count: 40) + "\n"
        + "مرحبا بالعالم — שלום עולם — 👩‍👩‍👧‍👦\rold Mac line\n\n\n"
    static let awkwardHTML = "<!doctype html><html><body><p style=\"margin:0\">" + String(repeating: "<a href=\"https://arxiv.org/abs/2312.02896?a=1&amp;b=2\">Paper – “quoted” ✓</a> ", count: 30)
        + "</p>\n<p>.dot</p>\n</body></html>"

    // MARK: Parsing helpers

    struct Parsed {
        var headerLines: [String]
        /// Unfolded fields: (lower-cased name, value without the space after the colon).
        var fields: [(name: String, value: String)]
        var body: String
        var lines: [String]

        func values(_ name: String) -> [String] { fields.filter { $0.name == name.lowercased() }.map(\.value) }
        func value(_ name: String) -> String? { values(name).first }
    }

    static func parse(_ bytes: [UInt8]) -> Parsed {
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

    static func encodedWords(in line: String) -> [Substring] {
        line.split(separator: " ").filter { $0.hasPrefix("=?") }
    }

    enum HeaderLimit { static let preferred = 78 }

    /// Checks what every composed message must satisfy.
    static func expectWellFormed(_ bytes: [UInt8], headerLimit: Int = HeaderLimit.preferred, sourceLocation: SourceLocation = #_sourceLocation) {
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
    static func decodeQP(_ encoded: [UInt8]) -> [UInt8] {
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

    static func qpLines(_ encoded: [UInt8]) -> [String] {
        String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
    }

    /// Runs Debian's python3 with a script from Support/.
    static func runPython(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestPaths.supportDirectory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    // MARK: Headers

    @Test func writesTheHeadersInOrder() {
        let bytes = MIMEComposer.compose(Self.message())
        Self.expectWellFormed(bytes)
        let parsed = Self.parse(bytes)
        #expect(parsed.fields.map(\.name) == ["date", "from", "to", "subject", "message-id", "mime-version", "list-id", "list-unsubscribe", "list-unsubscribe-post", "content-type"])
        #expect(parsed.value("Date") == "Sun, 29 Nov 2026 08:00:00 +0000")
        #expect(parsed.value("From") == "Paperboy <digest@example.org>")
        #expect(parsed.value("To") == "Ada Lovelace <ada@example.com>")
        #expect(parsed.value("Subject") == "Your papers for Sunday")
        #expect(parsed.value("Message-ID") == "<20261129080000.42.ada@example.org>")
        #expect(parsed.value("MIME-Version") == "1.0")
        #expect(parsed.value("List-Id") == "Paperboy digest <digest.example.org>")
        #expect(parsed.value("List-Unsubscribe") == "<https://digest.example.org/unsubscribe?t=abc123>, <mailto:unsubscribe@digest.example.org?subject=unsubscribe%20abc123>")
        #expect(parsed.value("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(parsed.value("Content-Type")?.hasPrefix("multipart/alternative; boundary=\"=_paperboy_") == true)
    }

    @Test(arguments: [
        (0.0, "Thu, 1 Jan 1970 00:00:00 +0000"),
        (1_795_939_200.0, "Sun, 29 Nov 2026 08:00:00 +0000"),
        (951_825_599.9, "Tue, 29 Feb 2000 11:59:59 +0000"),
        (-1.0, "Wed, 31 Dec 1969 23:59:59 +0000"),
    ])
    func formatsDatesAsRFC5322(seconds: Double, expected: String) {
        var message = Self.message()
        message.date = Date(timeIntervalSince1970: seconds)
        #expect(Self.parse(MIMEComposer.compose(message)).value("Date") == expected)
    }

    @Test func hostileSubjectAndNameStayInsideTheirHeaders() {
        for html in [Self.awkwardHTML, nil] as [String?] {
            let message = Self.message(subject: Self.hostileSubject, fromName: Self.hostileName, toName: Self.hostileName, html: html)
            let bytes = MIMEComposer.compose(message)
            Self.expectWellFormed(bytes)
            let parsed = Self.parse(bytes)
            #expect(parsed.values("Subject").count == 1)
            #expect(parsed.values("To").count == 1)
            #expect(parsed.values("Bcc").isEmpty)
            #expect(parsed.value("Subject")?.hasPrefix("=?utf-8?") == true)
            #expect(parsed.value("To")?.hasSuffix(" <ada@example.com>") == true)
            // The subject is cut into several encoded-words, each on its own line.
            #expect(parsed.headerLines.filter { $0.hasPrefix(" =?utf-8?") }.count > 5)
        }
    }

    @Test func cleaningDropsControlCharactersAndKeepsTheRest() {
        #expect(MailHeaderText.cleaned("Hello\r\nBcc: evil@x.org") == "Hello Bcc: evil@x.org")
        #expect(MailHeaderText.cleaned("a\u{0}b\u{7F}c\u{85}d\u{2028}e\t f  ") == "abc d e f")
        #expect(MailHeaderText.cleaned("مرحبا 🎉") == "مرحبا 🎉")
    }

    @Test func longASCIISubjectIsFoldedAtSpaces() {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let bytes = MIMEComposer.compose(Self.message(subject: subject))
        Self.expectWellFormed(bytes)
        let parsed = Self.parse(bytes)
        #expect(parsed.value("Subject") == subject)
        #expect(parsed.headerLines.filter { $0.hasPrefix(" word") }.count >= 2)
        #expect(!parsed.headerLines.contains { $0.contains("=?") })
    }

    @Test func asciiSubjectThatLooksEncodedIsEncoded() {
        let parsed = Self.parse(MIMEComposer.compose(Self.message(subject: "Try =?utf-8?q?this?= out")))
        let words = parsed.value("Subject")!.split(separator: " ")
        #expect(words.allSatisfy { $0.hasPrefix("=?utf-8?") })
        #expect(words.compactMap { Self.decodeEncodedWord(String($0)) }.joined() == "Try =?utf-8?q?this?= out")
    }

    @Test func encodedWordsNeverSplitACharacter() throws {
        // Offsets shift where the cut falls; each word must decode on its own.
        for offset in 0..<8 {
            let subject = String(repeating: "a", count: offset) + String(repeating: "é😀€👩‍👩‍👧‍👦ש", count: 12)
            let bytes = MIMEComposer.compose(Self.message(subject: subject))
            Self.expectWellFormed(bytes)
            let words = Self.parse(bytes).value("Subject")!.split(separator: " ")
            var decoded = ""
            for word in words {
                #expect(word.utf8.count <= 75)
                let text = try #require(Self.decodeEncodedWord(String(word)), "\(word) does not decode to whole characters")
                decoded += text
            }
            #expect(decoded == subject)
        }
        // One grapheme longer than a word: cut between its scalars.
        let zalgo = "Z" + String(repeating: "\u{301}", count: 60) + " ok"
        let words = Self.parse(MIMEComposer.compose(Self.message(subject: zalgo))).value("Subject")!.split(separator: " ")
        #expect(words.count > 1)
        #expect(words.compactMap { Self.decodeEncodedWord(String($0)) }.joined() == zalgo)
    }

    /// Decodes one Q or B encoded-word; nil when its bytes are not whole UTF-8 characters.
    static func decodeEncodedWord(_ word: String) -> String? {
        let parts = word.split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "=", parts[1] == "utf-8", parts[4] == "=" else { return nil }
        var bytes: [UInt8]
        if parts[2] == "b" {
            guard let data = Data(base64Encoded: String(parts[3])) else { return nil }
            bytes = Array(data)
        } else {
            bytes = decodeQP(Array(parts[3].replacingOccurrences(of: "_", with: " ").utf8))
        }
        return String(validating: bytes, as: UTF8.self)
    }

    @Test func displayNamesWithSpecialsAreQuoted() {
        let bytes = MIMEComposer.compose(Self.message(fromName: "Doe, John (Lab)", toName: "Ann \"the reader\" O'Brien \\ Jr."))
        Self.expectWellFormed(bytes)
        let parsed = Self.parse(bytes)
        #expect(parsed.value("From") == "\"Doe, John (Lab)\" <digest@example.org>")
        #expect(parsed.value("To") == "\"Ann \\\"the reader\\\" O'Brien \\\\ Jr.\" <ada@example.com>")
    }

    @Test func nonASCIINamesAreEncodedAndEmptyNamesLeaveTheBareAddress() {
        let parsed = Self.parse(MIMEComposer.compose(Self.message(fromName: "\r\n", toName: "José Müller")))
        #expect(parsed.value("From") == "digest@example.org")
        #expect(parsed.value("To") == "=?utf-8?b?Sm9zw6kgTcO8bGxlcg==?= <ada@example.com>")
        // Q when it is shorter; ASCII words around encoded ones stay readable.
        let mixed = Self.parse(MIMEComposer.compose(Self.message(toName: "Dr. Zoë Smith-Jones (Lab)")))
        #expect(mixed.value("To") == "\"Dr.\" =?utf-8?q?Zo=C3=AB?= Smith-Jones \"(Lab)\" <ada@example.com>")
        let arabic = Self.parse(MIMEComposer.compose(Self.message(toName: "مرحبا بالعالم")))
        #expect(arabic.value("To")?.hasPrefix("=?utf-8?b?") == true)
    }

    @Test func listHeadersDropUnsafeURLsAndEncodeThePhrase() {
        var message = Self.message(listUnsubscribe: [
            "https://ok.example.org/u?t=1", "https://bad.example.org/u?t=1>\r\nBcc: x@y.org", "https://sp ace.example.org",
            "javascript:alert(1)", "mailto:u@example.org", "https://ümlaut.example.org",
        ])
        message.listID = "Lëser \r\ndigest <digest.example.org>"
        let parsed = Self.parse(MIMEComposer.compose(message))
        #expect(parsed.value("List-Unsubscribe") == "<https://ok.example.org/u?t=1>, <mailto:u@example.org>")
        #expect(parsed.value("List-Id") == "=?utf-8?b?TMOrc2Vy?= digest <digest.example.org>")

        let mailtoOnly = Self.parse(MIMEComposer.compose(Self.message(listUnsubscribe: ["mailto:u@example.org"])))
        #expect(mailtoOnly.value("List-Unsubscribe") == "<mailto:u@example.org>")
        #expect(mailtoOnly.value("List-Unsubscribe-Post") == nil, "one-click needs an https URL (RFC 8058)")
        let noOneClick = Self.parse(MIMEComposer.compose(Self.message(oneClick: false)))
        #expect(noOneClick.value("List-Unsubscribe-Post") == nil)
        let none = Self.parse(MIMEComposer.compose(Self.message(listUnsubscribe: ["bad url"])))
        #expect(none.value("List-Unsubscribe") == nil && none.value("List-Unsubscribe-Post") == nil)

        var bare = Self.message()
        bare.listID = "digest.example.org"
        #expect(Self.parse(MIMEComposer.compose(bare)).value("List-Id") == "<digest.example.org>")
    }

    // MARK: Body

    @Test func multipartHasTheTextPartFirstThenHTML() {
        let bytes = MIMEComposer.compose(Self.message(text: Self.awkwardText, html: Self.awkwardHTML))
        Self.expectWellFormed(bytes)
        let parsed = Self.parse(bytes)
        let boundary = String(parsed.value("Content-Type")!.split(separator: "\"")[1])
        #expect(boundary.hasPrefix("=_paperboy_") && boundary.count == 27)
        let sections = parsed.body.components(separatedBy: "--" + boundary)
        #expect(sections.count == 4, "preamble, two parts, epilogue")
        #expect(sections[1].hasPrefix("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(sections[2].hasPrefix("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"))
        #expect(sections[3] == "--\r\n")
        // The boundary occurs only on delimiter lines.
        let bodyLines = parsed.body.components(separatedBy: "\r\n")
        #expect(bodyLines.filter { $0.contains(boundary) } == ["--" + boundary, "--" + boundary, "--" + boundary + "--"])
    }

    @Test func textOnlyMessageIsOneTextPlainPart() {
        let bytes = MIMEComposer.compose(Self.message(text: "Just text.", html: nil))
        Self.expectWellFormed(bytes)
        let parsed = Self.parse(bytes)
        #expect(parsed.value("Content-Type") == "text/plain; charset=utf-8")
        #expect(parsed.value("Content-Transfer-Encoding") == "quoted-printable")
        #expect(parsed.body == "Just text.\r\n")
        #expect(!parsed.body.contains("--=_paperboy_"))
    }

    // MARK: Quoted-printable

    @Test func qpEncodesEqualsSigns() {
        #expect(QuotedPrintable.encode("a=b") == Array("a=3Db".utf8))
    }

    @Test func qpEncodesSpacesAndTabsAtLineEnds() {
        #expect(QuotedPrintable.encode("end  \nnext\t\r\nin the middle\tok") == Array("end =20\r\nnext=09\r\nin the middle\tok".utf8))
        #expect(QuotedPrintable.encode("last ") == Array("last=20".utf8))
    }

    @Test func qpKeepsHardLineBreaksAsCRLF() {
        #expect(QuotedPrintable.encode("a\r\nb\nc\rd\n\n") == Array("a\r\nb\r\nc\r\nd\r\n\r\n".utf8))
    }

    @Test func qpProtectsDotsAndFromAtLineStarts() {
        #expect(QuotedPrintable.encode(".\nFrom me\nFrome") == Array("=2E\r\n=46rom me\r\nFrome".utf8))
    }

    @Test func qpSoftBreaksKeepLinesWithin76() {
        let encoded = QuotedPrintable.encode(String(repeating: "a", count: 200))
        let lines = Self.qpLines(encoded)
        #expect(lines[0] == String(repeating: "a", count: 75) + "=")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(Self.decodeQP(encoded) == Array(String(repeating: "a", count: 200).utf8))
        // Exactly 76 characters need no soft break.
        #expect(QuotedPrintable.encode(String(repeating: "b", count: 76)) == Array(String(repeating: "b", count: 76).utf8))
        // An escape is never cut.
        let equals = Self.qpLines(QuotedPrintable.encode(String(repeating: "=", count: 60)))
        #expect(equals.allSatisfy { $0.utf8.count <= 76 && ($0.utf8.count - ($0.hasSuffix("=") ? 1 : 0)) % 3 == 0 })
    }

    @Test func qpNeverSplitsAUTF8SequenceAcrossASoftBreak() {
        for offset in 0..<12 {
            let text = String(repeating: "a", count: offset) + String(repeating: "é😀€ש", count: 30) + " end "
            let encoded = QuotedPrintable.encode(text)
            for line in Self.qpLines(encoded) {
                #expect(line.utf8.count <= 76)
                // Each line decodes to whole characters.
                let content = line.hasSuffix("=") ? String(line.dropLast()) : line
                #expect(String(validating: Self.decodeQP(Array(content.utf8)), as: UTF8.self) != nil, "split sequence in \(line)")
            }
            #expect(Self.decodeQP(encoded) == Array(text.utf8))
        }
    }

    @Test func qpRoundTripsAwkwardText() {
        let encoded = QuotedPrintable.encode(Self.awkwardText)
        let expected = Self.awkwardText.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.decodeQP(encoded) == Array(expected.utf8))
        #expect(!String(decoding: encoded, as: UTF8.self).contains("=_"))
        for line in Self.qpLines(encoded) {
            #expect(line.utf8.count <= 76)
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
    }

    @Test func qpHoldsItsRulesOnRandomText() {
        // Pieces that meet at every column: spaces before breaks, dots and "From " at line starts, escapes, UTF-8.
        let pieces = ["a", "word", " ", "  ", "\t", "\n", "\r\n", "\r", "=", ".", "From ", "é", "€", "😀", "👩‍👩‍👧‍👦", "\u{1}", "=_", String(repeating: "x", count: 70)]
        var state: UInt64 = 7
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<60 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            let encoded = QuotedPrintable.encode(text)
            let expected = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            #expect(Self.decodeQP(encoded) == Array(expected.utf8))
            let output = String(decoding: encoded, as: UTF8.self)
            #expect(!output.contains("=_"))
            for line in Self.qpLines(encoded) {
                #expect(line.utf8.count <= 76, "\(line)")
                #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "\(line)")
                #expect(!line.hasPrefix(".") && !line.hasPrefix("From "), "\(line)")
                #expect(line.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) })
                let content = line.hasSuffix("=") ? String(line.dropLast()) : line
                #expect(String(validating: Self.decodeQP(Array(content.utf8)), as: UTF8.self) != nil, "split sequence in \(line)")
            }
        }
    }

    // MARK: Python's email parser

    @Test(.enabled(if: MailTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 to run this check"))
    func pythonParsesComposedMessagesWithoutDefects() throws {
        let directory = try TestPaths.temporaryDirectory()
        let cases: [(subject: String, fromName: String?, toName: String?, text: String, html: String?)] = [
            (Self.hostileSubject, Self.hostileName, Self.hostileName, Self.awkwardText, Self.awkwardHTML),
            (Self.hostileSubject, Self.hostileName, Self.hostileName, Self.awkwardText, nil),
            ("Your papers for Sunday", "Paperboy", "Ada Lovelace", "Hello Ada,\n\nTen papers.", "<p>Hello Ada</p>"),
            ("Try =?utf-8?q?this?= out: a \"quoted\" (comment) <angle>", "Doe, John (Lab)", "Ann \"the reader\" O'Brien \\ Jr.", "x", "<b>x</b>"),
            ("Z" + String(repeating: "\u{301}", count: 60) + " " + String(repeating: "ש", count: 100), "José Müller", "\r\n", "", ""),
            ((1...30).map { "word\($0)" }.joined(separator: " "), nil, String(repeating: "y", count: 300), "text only\n", nil),
        ]
        var manifest: [[String: Any]] = []
        for (index, item) in cases.enumerated() {
            let message = Self.message(subject: item.subject, fromName: item.fromName, toName: item.toName, text: item.text, html: item.html)
            let bytes = MIMEComposer.compose(message)
            Self.expectWellFormed(bytes)
            let file = directory.appendingPathComponent("message\(index).eml")
            try Data(bytes).write(to: file)
            manifest.append([
                "file": file.path,
                "subject": MailHeaderText.cleaned(item.subject),
                "from": [MailHeaderText.cleaned(item.fromName ?? ""), "digest@example.org"],
                "to": [MailHeaderText.cleaned(item.toName ?? ""), "ada@example.com"],
                "text": item.text,
                "html": item.html ?? NSNull(),
            ])
        }
        #expect(MailHeaderText.cleaned(Self.hostileSubject).hasPrefix("Hello Bcc: x@y.org Supercal"))
        let manifestFile = directory.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestFile)
        let result = try Self.runPython("mail_check.py", [manifestFile.path])
        #expect(result.status == 0, "Python's email package found problems:\n\(result.output)")
        #expect(result.output.hasPrefix("ok \(cases.count)"), "\(result.output)")
    }

    // MARK: DKIM

    @Test func relaxedCanonicalizationMatchesRFC6376Example() {
        // RFC 6376 §3.4.6.
        #expect(DKIMCanonicalization.relaxedHeader(Array("A: X".utf8)) == Array("a:X\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedHeader(Array("B : Y\t\r\n\tZ  ".utf8)) == Array("b:Y Z\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedBody(Array(" C \r\nD \t E\r\n\r\n\r\n".utf8)) == Array(" C\r\nD E\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedBody(Array("no final line break".utf8)) == Array("no final line break\r\n".utf8))
        #expect(DKIMCanonicalization.relaxedBody(Array("\r\n\r\n".utf8)) == [])
    }

    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func rsaRecord(_ key: _RSA.Signing.PrivateKey) -> String {
        "v=DKIM1; k=rsa; p=" + key.publicKey.derRepresentation.base64EncodedString()
    }

    /// Signs `message`, then asks dkimpy whether the signature verifies
    /// (and whether it still does after one body byte changed).
    static func verify(_ signer: DKIMSigner, record: String, html: String?) throws -> (verifies: Bool, tamperedVerifies: Bool, signedBytes: [UInt8]) {
        let message = Self.message(subject: Self.hostileSubject, toName: Self.hostileName, text: Self.awkwardText, html: html)
        let signed = signer.sign(MIMEComposer.compose(message), at: Date(timeIntervalSince1970: 1_795_939_200))
        let directory = try TestPaths.temporaryDirectory()
        let file = directory.appendingPathComponent("signed.eml")
        try Data(signed).write(to: file)
        let dnsName = "\(signer.selector)._domainkey.\(signer.domain)."
        let first = try runPython("dkim_check.py", [file.path, dnsName, record])

        var tampered = signed
        let bodyStart = try #require((0..<signed.count - 3).first { signed[$0..<$0 + 4] == [0x0D, 0x0A, 0x0D, 0x0A] })
        let letter = try #require(tampered[bodyStart...].firstIndex(of: UInt8(ascii: "D")))
        tampered[letter] = UInt8(ascii: "d")
        try Data(tampered).write(to: file)
        let second = try runPython("dkim_check.py", [file.path, dnsName, record])
        #expect(first.output.hasSuffix("True\n"), "dkimpy: \(first.output)")
        #expect(second.output.hasSuffix("False\n"), "dkimpy on the changed message: \(second.output)")
        return (first.output.hasSuffix("True\n"), !second.output.hasSuffix("False\n"), signed)
    }

    @Test(.enabled(if: MailTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 and python3-dkim to run this check"))
    func rsaSignatureVerifiesWithDkimpy() throws {
        let key = Self.rsaKey
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(key.pkcs8PEMRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        for (pem, html) in [(key.pemRepresentation, Self.awkwardHTML), (key.pkcs8PEMRepresentation, nil)] as [(String, String?)] {
            let signer = try DKIMSigner(domain: "example.org", selector: "pb2026", privateKeyPEM: pem)
            #expect(signer.algorithm == "rsa-sha256")
            let result = try Self.verify(signer, record: Self.rsaRecord(key), html: html)
            #expect(result.verifies)
            #expect(!result.tamperedVerifies, "a changed body byte must break the signature")
            let parsed = Self.parse(result.signedBytes)
            #expect(parsed.fields.first?.name == "dkim-signature")
            let signature = parsed.fields[0].value
            #expect(signature.hasPrefix("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=pb2026; t=1795939200; h=from:to:subject:date:message-id:mime-version:"))
            #expect(signature.replacingOccurrences(of: " ", with: "").contains("h=from:to:subject:date:message-id:mime-version:list-id:list-unsubscribe:list-unsubscribe-post;bh="))
            Self.expectWellFormed(result.signedBytes)
        }
    }

    @Test(.enabled(if: MailTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 and python3-dkim to run this check"))
    func ed25519SignatureVerifiesWithDkimpy() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = try DKIMSigner(domain: "Example.ORG", selector: "ed1", privateKeyPEM: key.pemRepresentation)
        #expect(signer.algorithm == "ed25519-sha256")
        let record = "v=DKIM1; k=ed25519; p=" + key.publicKey.rawRepresentation.base64EncodedString()
        let result = try Self.verify(signer, record: record, html: Self.awkwardHTML)
        #expect(result.verifies)
        #expect(!result.tamperedVerifies, "a changed body byte must break the signature")
        #expect(Self.parse(result.signedBytes).fields[0].value.hasPrefix("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=ed1;"))
    }

    @Test func signerRefusesUnusableKeysAndNamesWithAClearMessage() {
        let notPEM = #expect(throws: DKIMError.self) { try DKIMSigner(domain: "example.org", selector: "s", privateKeyPEM: "not a key") }
        #expect(notPEM?.description.contains("not in PEM form") == true)
        let encrypted = #expect(throws: DKIMError.self) {
            try DKIMSigner(domain: "example.org", selector: "s", privateKeyPEM: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")
        }
        #expect(encrypted?.description.contains("openssl pkey") == true)
        let garbage = #expect(throws: DKIMError.self) {
            try DKIMSigner(domain: "example.org", selector: "s", privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
        }
        #expect(garbage?.description.contains("neither RSA nor Ed25519") == true)
        let domain = #expect(throws: DKIMError.self) {
            try DKIMSigner(domain: "exa mple.org\r\n", selector: "s", privateKeyPEM: Self.rsaKey.pemRepresentation)
        }
        #expect(domain?.description == "the DKIM domain \"exa mple.org\\r\\n\" is not a domain name; use the From address's domain, such as example.org")
        let selector = #expect(throws: DKIMError.self) {
            try DKIMSigner(domain: "example.org", selector: "", privateKeyPEM: Self.rsaKey.pemRepresentation)
        }
        #expect(selector?.description.contains("selector") == true)
    }
}
