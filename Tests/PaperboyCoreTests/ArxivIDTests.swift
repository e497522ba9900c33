import PaperboyCore
import PaperboyTestSupport
import Testing

@Suite struct ArxivIDTests {
    @Test(arguments: [
        ("2312.02896v2", "2312.02896", 2),
        ("http://arxiv.org/abs/2312.02896v2", "2312.02896", 2),
        ("https://arxiv.org/pdf/2312.02896v3.pdf", "2312.02896", 3),
        ("oai:arXiv.org:2508.13426v1", "2508.13426", 1),
        ("arXiv:2410.18533", "2410.18533", nil),
        ("2410.18533", "2410.18533", nil),
        ("0704.0001", "0704.0001", nil),
        ("math/0611846v1", "math/0611846", 1),
        ("http://arxiv.org/abs/math/0611846v1", "math/0611846", 1),
        ("hep-th/9901001", "hep-th/9901001", nil),
        ("math.GT/0309136v2", "math.GT/0309136", 2),
    ] as [(String, String, Int?)])
    func parsesEveryFormTheFeedsUse(text: String, id: String, version: Int?) {
        let parsed = ArxivID(parsing: text)
        #expect(parsed?.id == id)
        #expect(parsed?.version == version)
    }

    @Test(arguments: ["", "hello", "12345.678", "2312.02896vx", "http://example.org/abs/2312", "MATH/0611846", "math/061184"])
    func rejectsWhatIsNotAnArxivID(text: String) {
        #expect(ArxivID(parsing: text) == nil)
    }
}

@Suite struct TextNormalizerTests {
    @Test func collapsesWhitespaceAndLineBreaks() {
        #expect(TextNormalizer.collapsed("  Large Multimodal\n  Models\t(LMMs)\r\n ") == "Large Multimodal Models (LMMs)")
        #expect(TextNormalizer.collapsed("a\u{0}b\u{7}c") == "abc")
    }

    @Test func turnsTeXAccentsIntoLetters() {
        #expect(TextNormalizer.detexed("Paulo Andr\\'e Lima de Castro") == "Paulo André Lima de Castro")
        #expect(TextNormalizer.detexed("Carl M{\\\"u}ller") == "Carl Müller")
        #expect(TextNormalizer.detexed("Fran\\c{c}ois") == "François")
        #expect(TextNormalizer.detexed("Plain Name") == "Plain Name")
    }

    @Test func stableTitleIDsIgnoreCaseSpacingAndPunctuation() {
        let a = StableID.forTitle("ScaLearn: Simple and Highly Parameter-Efficient")
        let b = StableID.forTitle("  scalearn  simple and highly parameter efficient ")
        #expect(a == b)
        #expect(a.hasPrefix("title-") && a.count == 22)
        #expect(StableID.forTitle("Another paper") != a)
    }

    @Test func webURLsAreHTTPOnly() {
        #expect(WebURL.safe(" https://github.com/x/y ") == "https://github.com/x/y")
        #expect(WebURL.safe("http://arxiv.org/abs/1") == "http://arxiv.org/abs/1")
        #expect(WebURL.safe("javascript:alert(1)") == nil)
        #expect(WebURL.safe("file:///etc/passwd") == nil)
        #expect(WebURL.safe("https://a.org/x\r\nBcc: x") == nil)
        #expect(WebURL.safe("https:///nohost") == nil)
    }

    @Test func feedDatesInEveryFormat() {
        let utc = FeedDate.parse("2025-08-20T04:00:00Z")
        #expect(utc != nil)
        #expect(FeedDate.parse("2025-08-20T00:00:00-04:00") == utc)
        #expect(FeedDate.parse("Wed, 20 Aug 2025 00:00:00 -0400") == utc)
        #expect(FeedDate.parse("2025-08-20T04:00:19.899254+00:00")!.timeIntervalSince(utc!) > 19.89)
        #expect(FeedDate.parse("2025-08-20") != nil)
        #expect(FeedDate.parse("yesterday") == nil)
    }
}
