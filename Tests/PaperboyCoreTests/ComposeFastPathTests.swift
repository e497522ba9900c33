import PaperboyCore
import PaperboyTestSupport
import Testing

/// The shortcuts that make composing fast (eight bytes at a time in
/// quoted-printable, byte-wise wrapping of ASCII lines, one-pass HTML
/// escaping) give what the rules say at every offset and edge.
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
}
