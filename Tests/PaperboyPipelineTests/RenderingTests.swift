import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyTestSupport
import Testing

@Suite struct TemplateTests {
    @Test func theBinaryCarriesTheTemplatesOfTemplatesFolder() throws {
        let folder = TestPaths.projectRoot.appendingPathComponent("Templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }.sorted()
        #expect(files == (DigestTemplates.fileNames + ReaderMailTemplates.fileNames).sorted())
        for name in files {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(DigestTemplates.builtInSource(name) == onDisk, "\(name) differs from the built-in copy: run scripts/embed-templates")
        }
    }

    @Test func aBrokenOverrideNamesTheFileAndLine() throws {
        let directory = try TestPaths.temporaryDirectory()
        try "<p>\n{{#papers}}\n<b>{{title}}</b>\n".write(to: directory.appendingPathComponent("paper.html.mustache"), atomically: true, encoding: .utf8)
        let error = #expect(throws: MailSetupError.self) { try MailSetup.loadTemplates(directory: directory.path) }
        #expect(error?.message.contains(directory.appendingPathComponent("paper.html.mustache").path + ":") == true)
        #expect(error?.message.contains("the template does not parse") == true)
    }

    @Test func anOverrideReplacesOnlyItsFile() throws {
        let directory = try TestPaths.temporaryDirectory()
        try "{{% CONTENT_TYPE: TEXT}}\nCustom: {{first_title}}\n".write(to: directory.appendingPathComponent("subject.mustache"), atomically: true, encoding: .utf8)
        let templates = try MailSetup.loadTemplates(directory: directory.path)
        let rendered = DigestRenderer(templates: templates, operatorName: "Op").render(try RenderingTests.content(papers: [RenderingTests.paper()]))
        #expect(rendered.subject == "Custom: Knowledge Distillation for Small Models")
        #expect(rendered.html?.contains("<!DOCTYPE html>") == true)
    }
}

@Suite struct RenderingTests {
    static func paper(title: String = "Knowledge Distillation for Small Models", abstract: String = "We distil large models into small ones.", links: PaperLinks = PaperLinks(abstract: "https://arxiv.org/abs/2401.00001", pdf: "https://arxiv.org/pdf/2401.00001", code: "https://github.com/x/y"), authors: [String] = ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing"]) -> Paper {
        Paper(id: "2401.00001", title: title, abstract: abstract, authors: authors, categories: ["cs.LG", "cs.CL"],
              firstSeenAt: Date(timeIntervalSince1970: 1_795_000_000), upvotes: 12, comments: 3, links: links)
    }

    static func content(papers: [Paper], name: String? = "Ada", format: DigestFormat = .both, matched: [String] = ["distillation"]) throws -> DigestContent {
        DigestContent(
            email: try EmailAddress(parsing: "ada@example.org"), name: name, query: try Query.parse("distillation"), categories: [],
            papers: papers.map { RankedPaper(paper: $0, score: 1, relevance: 1, trending: 0, learned: 0, matchedTerms: matched) },
            date: Date(timeIntervalSince1970: 1_795_000_000), zone: "Europe/Berlin",
            unsubscribeURL: "https://papers.example.org/unsubscribe?t=abc", format: format
        )
    }

    let renderer = DigestRenderer(operatorName: "Paperboy at Example Lab")

    @Test func aDigestShowsWhatTheIssueAsksFor() throws {
        let rendered = renderer.render(try Self.content(papers: [Self.paper()]))
        #expect(rendered.subject == "1 new paper for 18 Nov: Knowledge Distillation for Small Models")
        let text = rendered.text
        #expect(text.contains("Hello Ada,"))
        #expect(text.contains("Tuesday, 18 November 2025") || text.contains("Wednesday, 18 November 2026"))
        #expect(text.contains("1. Knowledge Distillation for Small Models"))
        #expect(text.contains("Ada Lovelace, Charles Babbage, Grace Hopper et al."))
        #expect(text.contains("12 upvotes · 3 comments · cs.LG, cs.CL"))
        #expect(text.contains("https://arxiv.org/abs/2401.00001"))
        #expect(text.contains("PDF: https://arxiv.org/pdf/2401.00001"))
        #expect(text.contains("Code: https://github.com/x/y"))
        #expect(text.contains("Matched: distillation"))
        #expect(text.contains("Unsubscribe with one click: https://papers.example.org/unsubscribe?t=abc"))
        #expect(TextNormalizer.collapsed(text).contains("ada@example.org subscribed to papers matching distillation"))
        let html = try #require(rendered.html)
        #expect(html.contains("<a href=\"https://arxiv.org/abs/2401.00001\""))
        #expect(html.contains(">Code</a>"))
        #expect(html.contains("Matched: distillation"))
        #expect(html.contains("max-width:640px"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("href=\"https://papers.example.org/unsubscribe?t=abc\""))
    }

    @Test func textIsWrappedAt78WithURLsWhole() throws {
        let long = String(repeating: "knowledge transfer between models ", count: 30)
        let url = "https://example.org/" + String(repeating: "a", count: 120)
        let rendered = renderer.render(try Self.content(papers: [Self.paper(title: "A title " + String(repeating: "word ", count: 30), abstract: long, links: PaperLinks(abstract: url))]))
        for line in rendered.text.split(separator: "\n") where !line.contains("https://") {
            #expect(line.unicodeScalars.count <= 78, "\(line)")
        }
        #expect(rendered.text.contains(url))
    }

    @Test func textOnlyHasNoHTML() throws {
        let rendered = renderer.render(try Self.content(papers: [Self.paper()], format: .text))
        #expect(rendered.html == nil)
        #expect(rendered.text.contains("Knowledge Distillation"))
    }

    @Test func hostileInputIsEscapedAndTheBadLinkIsNoLink() throws {
        let hostileTitle = "Hello\r\nBcc: evil@example.net\u{0} <script>alert(1)</script> 😀 שלום עולם " + String(repeating: "x", count: 300)
        let paper = Self.paper(title: hostileTitle, abstract: "<img src=x onerror=alert(1)> & \"quotes\"",
                               links: PaperLinks(abstract: "javascript:alert(1)", pdf: "https://arxiv.org/pdf/1", code: "data:text/html,evil"))
        let rendered = renderer.render(try Self.content(papers: [paper], name: "Eve\r\nBcc: x@y.org <b>", matched: ["<i>term</i>"]))
        let html = try #require(rendered.html)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;i&gt;term&lt;/i&gt;"))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("data:text"))
        #expect(html.contains("https://arxiv.org/pdf/1"))
        #expect(!rendered.subject.contains("\r") && !rendered.subject.contains("\n") && !rendered.subject.contains("\u{0}"))
        #expect(rendered.text.contains("😀 שלום עולם"))
        #expect(rendered.text.contains("<script>alert(1)</script>"))   // text is text: shown as typed
        #expect(!rendered.text.contains("javascript:"))
    }

    @Test func papersAreRenderedOncePerRunAndNumberedPerDigest() throws {
        let a = Self.paper()
        var b = Self.paper(title: "Second")
        b.id = "2401.00002"
        let first = renderer.render(try Self.content(papers: [a, b]))
        let second = renderer.render(try Self.content(papers: [b, a], matched: []))
        #expect(first.text.contains("1. Knowledge Distillation") && first.text.contains("2. Second"))
        #expect(second.text.contains("1. Second") && second.text.contains("2. Knowledge Distillation"))
        #expect(!second.text.contains("Matched:"))
    }
}

@Suite struct LinkTokenTests {
    let tokens = LinkToken(secret: Array("a secret of at least sixteen bytes".utf8))
    let ada = try! EmailAddress(parsing: "ada@example.org")
    let bob = try! EmailAddress(parsing: "bob@example.org")

    func verify(_ token: String, _ email: EmailAddress, with tokens: LinkToken? = nil) -> Int64? {
        guard let claim = LinkToken.claim(token), (tokens ?? self.tokens).verify(claim, purpose: .unsubscribe, email: email) else { return nil }
        return claim.subscriberID
    }

    @Test func roundTripsAndRefusesForgeries() {
        let token = tokens.make(subscriberID: 42, email: ada, purpose: .unsubscribe)
        #expect(verify(token, ada) == 42)
        #expect(!token.contains("@") && token.count == 34)
        // Another subscriber's token cannot be made by changing the id part.
        var bytes = Array(token.utf8)
        bytes[10] = bytes[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let altered = String(decoding: bytes, as: UTF8.self)
        #expect(LinkToken.claim(altered)?.subscriberID != 42)
        #expect(verify(altered, ada) == nil)
        #expect(verify(tokens.make(subscriberID: 43, email: ada, purpose: .unsubscribe), ada) == 43)
        #expect(verify(token, ada, with: LinkToken(secret: Array("another secret, sixteen bytes+".utf8))) == nil)
        #expect(verify("", ada) == nil)
        #expect(verify("not base64 !!", ada) == nil)
        #expect(verify(String(token.dropLast()), ada) == nil)
        #expect(verify(token + "A", ada) == nil)
    }

    @Test func aTokenIsBoundToTheAddressItWasMadeFor() throws {
        let token = tokens.make(subscriberID: 42, email: ada, purpose: .unsubscribe)
        // The same row id at another address (ids given out anew, or the address changed).
        #expect(verify(token, bob) == nil)
        // The domain's case is not part of the address; the local part's is (the store keeps it as given).
        #expect(verify(token, try EmailAddress(parsing: "ada@EXAMPLE.org")) == 42)
        #expect(verify(token, try EmailAddress(parsing: "Ada@example.org")) == nil)
    }

    @Test func tokensOfPreviousSecretsAreAcceptedAndNewOnesUseTheCurrentSecret() {
        let old = Array("the secret before the rotation!!".utf8)
        let new = Array("the secret after the rotation!!!".utf8)
        let before = LinkToken(secret: old).make(subscriberID: 7, email: ada, purpose: .unsubscribe)
        let rotated = LinkToken(secret: new, previousSecrets: [old])
        #expect(verify(before, ada, with: rotated) == 7, "a link mailed before the rotation still works")
        let after = rotated.make(subscriberID: 7, email: ada, purpose: .unsubscribe)
        #expect(after == LinkToken(secret: new).make(subscriberID: 7, email: ada, purpose: .unsubscribe), "new links use the current secret")
        #expect(verify(after, ada, with: LinkToken(secret: old)) == nil)
        #expect(verify(before, ada, with: LinkToken(secret: new)) == nil, "once the previous secret is dropped, its links stop working")
        #expect(verify(before, bob, with: rotated) == nil)
    }
}
