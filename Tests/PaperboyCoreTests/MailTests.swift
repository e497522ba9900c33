import Crypto
import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing
import _CryptoExtras

/// MIME composition, quoted-printable, RFC 2047 headers and DKIM signing.
@Suite struct MailTests {
    // MARK: Fixtures

    // MARK: Headers

    @Test func writesTheHeadersInOrder() {
        let bytes = MIMEComposer.compose(MailSamples.message())
        MailSamples.expectWellFormed(bytes)
        let parsed = MailSamples.parse(bytes)
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
        var message = MailSamples.message()
        message.date = Date(timeIntervalSince1970: seconds)
        #expect(MailSamples.parse(MIMEComposer.compose(message)).value("Date") == expected)
    }

    @Test func hostileSubjectAndNameStayInsideTheirHeaders() {
        for html in [MailSamples.awkwardHTML, nil] as [String?] {
            let message = MailSamples.message(subject: MailSamples.hostileSubject, fromName: MailSamples.hostileName, toName: MailSamples.hostileName, html: html)
            let bytes = MIMEComposer.compose(message)
            MailSamples.expectWellFormed(bytes)
            let parsed = MailSamples.parse(bytes)
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
        let bytes = MIMEComposer.compose(MailSamples.message(subject: subject))
        MailSamples.expectWellFormed(bytes)
        let parsed = MailSamples.parse(bytes)
        #expect(parsed.value("Subject") == subject)
        #expect(parsed.headerLines.filter { $0.hasPrefix(" word") }.count >= 2)
        #expect(!parsed.headerLines.contains { $0.contains("=?") })
    }

    @Test func asciiSubjectThatLooksEncodedIsEncoded() {
        let parsed = MailSamples.parse(MIMEComposer.compose(MailSamples.message(subject: "Try =?utf-8?q?this?= out")))
        let words = parsed.value("Subject")!.split(separator: " ")
        #expect(words.allSatisfy { $0.hasPrefix("=?utf-8?") })
        #expect(words.compactMap { Self.decodeEncodedWord(String($0)) }.joined() == "Try =?utf-8?q?this?= out")
    }

    @Test func encodedWordsNeverSplitACharacter() throws {
        // Offsets shift where the cut falls; each word must decode on its own.
        for offset in 0..<8 {
            let subject = String(repeating: "a", count: offset) + String(repeating: "é😀€👩‍👩‍👧‍👦ש", count: 12)
            let bytes = MIMEComposer.compose(MailSamples.message(subject: subject))
            MailSamples.expectWellFormed(bytes)
            let words = MailSamples.parse(bytes).value("Subject")!.split(separator: " ")
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
        let words = MailSamples.parse(MIMEComposer.compose(MailSamples.message(subject: zalgo))).value("Subject")!.split(separator: " ")
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
            bytes = MailSamples.decodeQP(Array(parts[3].replacingOccurrences(of: "_", with: " ").utf8))
        }
        return String(validating: bytes, as: UTF8.self)
    }

    @Test func displayNamesWithSpecialsAreQuoted() {
        let bytes = MIMEComposer.compose(MailSamples.message(fromName: "Doe, John (Lab)", toName: "Ann \"the reader\" O'Brien \\ Jr."))
        MailSamples.expectWellFormed(bytes)
        let parsed = MailSamples.parse(bytes)
        #expect(parsed.value("From") == "\"Doe, John (Lab)\" <digest@example.org>")
        #expect(parsed.value("To") == "\"Ann \\\"the reader\\\" O'Brien \\\\ Jr.\" <ada@example.com>")
    }

    @Test func nonASCIINamesAreEncodedAndEmptyNamesLeaveTheBareAddress() {
        let parsed = MailSamples.parse(MIMEComposer.compose(MailSamples.message(fromName: "\r\n", toName: "José Müller")))
        #expect(parsed.value("From") == "digest@example.org")
        #expect(parsed.value("To") == "=?utf-8?b?Sm9zw6kgTcO8bGxlcg==?= <ada@example.com>")
        // Q when it is shorter; ASCII words around encoded ones stay readable.
        let mixed = MailSamples.parse(MIMEComposer.compose(MailSamples.message(toName: "Dr. Zoë Smith-Jones (Lab)")))
        #expect(mixed.value("To") == "\"Dr.\" =?utf-8?q?Zo=C3=AB?= Smith-Jones \"(Lab)\" <ada@example.com>")
        let arabic = MailSamples.parse(MIMEComposer.compose(MailSamples.message(toName: "مرحبا بالعالم")))
        #expect(arabic.value("To")?.hasPrefix("=?utf-8?b?") == true)
    }

    @Test func listHeadersDropUnsafeURLsAndEncodeThePhrase() {
        var message = MailSamples.message(listUnsubscribe: [
            "https://ok.example.org/u?t=1", "https://bad.example.org/u?t=1>\r\nBcc: x@y.org", "https://sp ace.example.org",
            "javascript:alert(1)", "mailto:u@example.org", "https://ümlaut.example.org",
        ])
        message.listID = "Lëser \r\ndigest <digest.example.org>"
        let parsed = MailSamples.parse(MIMEComposer.compose(message))
        #expect(parsed.value("List-Unsubscribe") == "<https://ok.example.org/u?t=1>, <mailto:u@example.org>")
        #expect(parsed.value("List-Id") == "=?utf-8?b?TMOrc2Vy?= digest <digest.example.org>")

        let mailtoOnly = MailSamples.parse(MIMEComposer.compose(MailSamples.message(listUnsubscribe: ["mailto:u@example.org"])))
        #expect(mailtoOnly.value("List-Unsubscribe") == "<mailto:u@example.org>")
        #expect(mailtoOnly.value("List-Unsubscribe-Post") == nil, "one-click needs an https URL (RFC 8058)")
        let noOneClick = MailSamples.parse(MIMEComposer.compose(MailSamples.message(oneClick: false)))
        #expect(noOneClick.value("List-Unsubscribe-Post") == nil)
        let none = MailSamples.parse(MIMEComposer.compose(MailSamples.message(listUnsubscribe: ["bad url"])))
        #expect(none.value("List-Unsubscribe") == nil && none.value("List-Unsubscribe-Post") == nil)

        var bare = MailSamples.message()
        bare.listID = "digest.example.org"
        #expect(MailSamples.parse(MIMEComposer.compose(bare)).value("List-Id") == "<digest.example.org>")
    }

    // MARK: Body

    @Test func multipartHasTheTextPartFirstThenHTML() {
        let bytes = MIMEComposer.compose(MailSamples.message(text: MailSamples.awkwardText, html: MailSamples.awkwardHTML))
        MailSamples.expectWellFormed(bytes)
        let parsed = MailSamples.parse(bytes)
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
        let bytes = MIMEComposer.compose(MailSamples.message(text: "Just text.", html: nil))
        MailSamples.expectWellFormed(bytes)
        let parsed = MailSamples.parse(bytes)
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
        let lines = MailSamples.qpLines(encoded)
        #expect(lines[0] == String(repeating: "a", count: 75) + "=")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(MailSamples.decodeQP(encoded) == Array(String(repeating: "a", count: 200).utf8))
        // Exactly 76 characters need no soft break.
        #expect(QuotedPrintable.encode(String(repeating: "b", count: 76)) == Array(String(repeating: "b", count: 76).utf8))
        // An escape is never cut.
        let equals = MailSamples.qpLines(QuotedPrintable.encode(String(repeating: "=", count: 60)))
        #expect(equals.allSatisfy { $0.utf8.count <= 76 && ($0.utf8.count - ($0.hasSuffix("=") ? 1 : 0)) % 3 == 0 })
    }

    @Test func qpNeverSplitsAUTF8SequenceAcrossASoftBreak() {
        for offset in 0..<12 {
            let text = String(repeating: "a", count: offset) + String(repeating: "é😀€ש", count: 30) + " end "
            let encoded = QuotedPrintable.encode(text)
            for line in MailSamples.qpLines(encoded) {
                #expect(line.utf8.count <= 76)
                // Each line decodes to whole characters.
                let content = line.hasSuffix("=") ? String(line.dropLast()) : line
                #expect(String(validating: MailSamples.decodeQP(Array(content.utf8)), as: UTF8.self) != nil, "split sequence in \(line)")
            }
            #expect(MailSamples.decodeQP(encoded) == Array(text.utf8))
        }
    }

    @Test func qpRoundTripsAwkwardText() {
        let encoded = QuotedPrintable.encode(MailSamples.awkwardText)
        let expected = MailSamples.awkwardText.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(MailSamples.decodeQP(encoded) == Array(expected.utf8))
        #expect(!String(decoding: encoded, as: UTF8.self).contains("=_"))
        for line in MailSamples.qpLines(encoded) {
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
            #expect(MailSamples.decodeQP(encoded) == Array(expected.utf8))
            let output = String(decoding: encoded, as: UTF8.self)
            #expect(!output.contains("=_"))
            for line in MailSamples.qpLines(encoded) {
                #expect(line.utf8.count <= 76, "\(line)")
                #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "\(line)")
                #expect(!line.hasPrefix(".") && !line.hasPrefix("From "), "\(line)")
                #expect(line.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) })
                let content = line.hasSuffix("=") ? String(line.dropLast()) : line
                #expect(String(validating: MailSamples.decodeQP(Array(content.utf8)), as: UTF8.self) != nil, "split sequence in \(line)")
            }
        }
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
