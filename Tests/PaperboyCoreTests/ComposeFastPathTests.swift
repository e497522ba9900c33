import Foundation
@testable import PaperboyCore
import PaperboyTestSupport
import Testing

/// The shortcuts that make composing fast (eight bytes at a time in
/// quoted-printable, encoding straight into the message, byte-wise wrapping
/// of ASCII lines, one-pass HTML escaping, subjects and titles trimmed
/// without Foundation) give what the rules say at every offset and edge,
/// and what the long way gives.
@Suite struct ComposeFastPathTests {
    @Test func qpKeepsEveryRuleAtEveryOffsetOfARun() {
        for offset in 0..<20 {
            let run = String(repeating: "a", count: offset)
            // A space before a line end (or the end) is escaped, wherever it falls in an eight-byte word.
            #expect(QuotedPrintable.encode("x" + run + " \ny") == Array(("x" + run + "=20\r\ny").utf8))
            #expect(QuotedPrintable.encode("x" + run + " \r\ny") == Array(("x" + run + "=20\r\ny").utf8))
            #expect(QuotedPrintable.encode("x" + run + " ") == Array(("x" + run + "=20").utf8))
            // Inner spaces and tabs stay; "=" and bytes outside 0x20...0x7E are escaped.
            #expect(QuotedPrintable.encode("x" + run + " b\tc=d~\u{7F}e") == Array(("x" + run + " b\tc=3Dd~=7Fe").utf8))
            #expect(QuotedPrintable.encode("x" + run + "é" + run) == Array(("x" + run + "=C3=A9" + run).utf8))
        }
    }

    @Test func qpSoftBreaksFallAtTheSameColumnWithSpaces() {
        // Words over several lines: each full line is 75 characters and "=", none ends in a space, nothing is lost.
        let text = String(repeating: "abc ", count: 50)
        let encoded = QuotedPrintable.encode(text)
        let lines = MailSamples.qpLines(encoded)
        #expect(lines[0] == String(text.prefix(75)) + "=")
        #expect(lines.dropLast().allSatisfy { $0.utf8.count == 76 && $0.hasSuffix("=") })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
        #expect(MailSamples.decodeQP(encoded) == Array(text.utf8))
    }

    @Test func wrappingASCIILinesGoesByWords() {
        #expect(TextWrapper.wrap("aaa bbb ccc ddd", width: 7) == "aaa bbb\nccc ddd")
        #expect(TextWrapper.wrap("aaa  bbb   ccc", width: 7) == "aaa bbb\nccc")
        #expect(TextWrapper.wrap("short\nhttps://example.org/a/very/long/url tail", width: 10) == "short\nhttps://example.org/a/very/long/url\ntail")
        #expect(TextWrapper.wrap("fits\n\nfits too\n", width: 8) == "fits\n\nfits too\n")
        #expect(TextWrapper.wrap(" lead and trail ", width: 8) == "lead and\ntrail")
    }

    @Test func wrappingCountsScalarsAndKeepsCRLFLines() {
        // 10 scalars in 20 bytes: fits in 10 columns.
        #expect(TextWrapper.wrap("éééé éééé\nx", width: 10) == "éééé éééé\nx")
        #expect(TextWrapper.wrap("éééé éééé éé", width: 10) == "éééé éééé\néé")
        // A CRLF is one character, not a line break: the line "a b\r\nc d" is wrapped as one.
        #expect(TextWrapper.wrap("a b\r\nc d", width: 3) == "a\nb\r\nc\nd")
    }

    @Test func escapingInOnePass() {
        #expect(HTMLText.escape("plain text, é") == "plain text, é")
        #expect(HTMLText.escape("") == "")
        #expect(HTMLText.escape("<a href=\"x?a=1&b='2'\">é</a>") == "&lt;a href=&quot;x?a=1&amp;b=&#39;2&#39;&quot;&gt;é&lt;/a&gt;")
    }

    @Test func qpAppendsAcrossItsStagingBufferAsItEncodesAlone() {
        // Long enough for several flushes of the staging buffer, with escapes
        // and multi-byte characters at every offset around them.
        var text = ""
        for k in 0..<900 { text += k % 7 == 0 ? "é=\u{1F600} " : k % 11 == 0 ? "line end \n.dot\r\nFrom x " : "word\(k) " }
        let encoded = QuotedPrintable.encode(text)
        #expect(MailSamples.decodeQP(encoded) == Array(text.utf8).replacingLineBreaks())
        #expect(MailSamples.qpLines(encoded).allSatisfy { $0.utf8.count <= QuotedPrintable.maximumLineLength })
        var out: [UInt8] = Array("prefix\r\n".utf8)
        QuotedPrintable.append(text, to: &out)
        #expect(out == Array("prefix\r\n".utf8) + encoded)
        #expect(QuotedPrintable.encode(Array(text.utf8)) == encoded)
    }

    @Test func subjectLineBreakShortcutMatchesTheLongWay() {
        // The shortcut (a clean line and its line breaks) and the long way
        // (every scalar collapsed) agree; text the shortcut does not take
        // still goes the long way.
        for text in ["3 new papers for 30 Nov: A title…\n", "x\r\n", "\n", "", "a  b\n", " lead\n", "trail \n", "tab\there\n", "nbsp\u{A0}x\n", "two\n\nlines\n"] {
            #expect(DigestRenderer.oneLine(text) == DigestRenderer.collapsedToOneLine(text), "\(text.debugDescription)")
        }
    }

    @Test func whitespaceBelowU1680IsOnlyNELAndNBSP() {
        // What `MailHeaderText.isCleaned` relies on to skip the property look-up.
        for value in UInt32(0x80)..<0x1680 {
            let scalar = Unicode.Scalar(value)!
            #expect(scalar.properties.isWhitespace == (value == 0x85 || value == 0xA0))
        }
    }

    @Test func titlesAreTrimmedAsFoundationTrims() {
        let titles = ["A title that is long enough to be cut somewhere in the middle of it, surely", "Short",
                      "Ends with punctuation, before the cut; here: and. then more words follow on and on",
                      ", ;leading marks then words words words words words words words words words words",
                      "Ünïcödé wörds everywhere, with accents: café, naïve, résumé, and more words after",
                      "nospacesatallinthistitlethatislongerthanthelimitforsureyesindeedverylong",
                      ".... .... .... .... .... .... .... .... .... .... .... .... .... ...."]
        for title in titles {
            let cut = title.prefix(60)
            let end = cut.lastIndex(of: " ") ?? cut.endIndex
            let foundation = title.count > 60 ? cut[..<end].trimmingCharacters(in: CharacterSet(charactersIn: " ,;:.")) + "…" : title
            #expect(DigestRenderer.shorten(title, to: 60) == foundation)
        }
    }
}

private extension [UInt8] {
    /// LF, CR and CRLF as CRLF, as quoted-printable writes every line break.
    func replacingLineBreaks() -> [UInt8] {
        var out: [UInt8] = []
        var k = 0
        while k < count {
            if self[k] == 0x0D || self[k] == 0x0A {
                out += [0x0D, 0x0A]
                k += self[k] == 0x0D && k + 1 < count && self[k + 1] == 0x0A ? 2 : 1
            } else {
                out.append(self[k])
                k += 1
            }
        }
        return out
    }
}
