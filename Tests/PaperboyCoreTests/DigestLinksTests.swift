import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// The reader's links in a rendered digest: "Change what you get", "View in
/// browser" (planned digests only) and each paper's "More like this" and
/// "Not for me", without defeating the per-paper block cache.
@Suite struct DigestLinksTests {
    static let at = FeedDate.parse("2026-11-30T08:00:00Z")!

    static func paper(_ id: String) -> Paper {
        Paper(id: id, title: "Paper \(id)", abstract: "About \(id).", authors: ["Ada Lovelace"], categories: ["cs.LG"],
              firstSeenAt: at, upvotes: 3, links: PaperLinks(abstract: "https://arxiv.org/abs/\(id)"))
    }

    /// Links as `ReaderLinks` makes them: with `&` between parameters.
    static func feedback(_ reader: String, _ id: String) -> PaperFeedbackURLs {
        PaperFeedbackURLs(moreLikeThis: "https://papers.example.org/feedback?t=\(reader)&p=\(id)&a=more-like-this",
                          notForMe: "https://papers.example.org/feedback?t=\(reader)&p=\(id)&a=not-for-me")
    }

    static func content(_ reader: String, papers: [Paper], view: Bool = true, preferences: Bool = true, format: DigestFormat = .both) throws -> DigestContent {
        DigestContent(email: try EmailAddress(parsing: "\(reader)@example.org"), name: nil, query: nil, categories: [],
                      papers: papers.map { RankedPaper(paper: $0, score: 1, relevance: 0, trending: 1, learned: 0, matchedTerms: []) },
                      date: at, zone: "UTC", unsubscribeURL: "https://papers.example.org/unsubscribe?t=\(reader)", format: format,
                      preferencesURL: preferences ? "https://papers.example.org/preferences?t=\(reader)" : nil,
                      viewURL: view ? "https://papers.example.org/d?t=\(reader)&k=daily%2008%3A00" : nil,
                      feedbackURLs: Dictionary(uniqueKeysWithValues: papers.map { ($0.id, feedback(reader, $0.id)) }))
    }

    @Test func everyDigestLinksToPreferencesViewAndFeedback() throws {
        let papers = [Self.paper("2611.00001"), Self.paper("2611.00002")]
        let rendered = DigestRenderer(operatorName: "Paperboy").render(try Self.content("ada", papers: papers))
        let text = rendered.text
        #expect(text.contains("Change what you get: https://papers.example.org/preferences?t=ada"))
        #expect(!text.contains("reply to this email"))
        #expect(text.contains("View in browser: https://papers.example.org/d?t=ada&k=daily%2008%3A00"))
        for id in ["2611.00001", "2611.00002"] {
            #expect(text.contains("More like this: https://papers.example.org/feedback?t=ada&p=\(id)&a=more-like-this"))
            #expect(text.contains("Not for me: https://papers.example.org/feedback?t=ada&p=\(id)&a=not-for-me"))
        }
        // Each paper's links follow that paper, not the other.
        let second = try #require(text.range(of: "2. Paper 2611.00002"))
        #expect(text[second.upperBound...].contains("p=2611.00002&a=not-for-me"))
        #expect(!text[second.upperBound...].contains("p=2611.00001"))
        // The view link comes before the papers, the preferences link after.
        let view = try #require(text.range(of: "View in browser"))
        #expect(view.lowerBound < second.lowerBound)

        let html = try #require(rendered.html)
        #expect(html.contains("href=\"https://papers.example.org/preferences?t=ada\""))
        #expect(html.contains("Change what you get"))
        #expect(!html.contains("reply to this email"))
        #expect(html.contains("href=\"https://papers.example.org/d?t=ada&amp;k=daily%2008%3A00\" class=\"pb-link\" style=\"color:#0969da;\">View in browser</a>"))
        #expect(html.contains("href=\"https://papers.example.org/feedback?t=ada&amp;p=2611.00001&amp;a=more-like-this\" class=\"pb-link\" style=\"color:#0969da;\">More like this</a>"))
        #expect(html.contains("href=\"https://papers.example.org/feedback?t=ada&amp;p=2611.00002&amp;a=not-for-me\" class=\"pb-link\" style=\"color:#0969da;\">Not for me</a>"))
        #expect(!html.contains("&a=not-for-me"), "an & in a link went into the HTML unescaped")
    }

    @Test func aDigestWithoutAPeriodKeyHasNoViewLink() throws {
        let renderer = DigestRenderer(operatorName: "Paperboy")
        let rendered = renderer.render(try Self.content("ada", papers: [Self.paper("2611.00001")], view: false))
        #expect(!rendered.text.contains("View in browser"))
        #expect(rendered.html?.contains("View in browser") == false)
        #expect(rendered.text.contains("Change what you get: "))
        // The planned digest of the same renderer still gets its link (frames differ by what the digest has).
        let planned = renderer.render(try Self.content("ada", papers: [Self.paper("2611.00001")], view: true))
        #expect(planned.text.contains("View in browser: "))
    }

    @Test func withoutLinksTheFooterSaysWhomToAsk() throws {
        let content = DigestContent(email: try EmailAddress(parsing: "ada@example.org"), name: nil, query: nil, categories: [],
                                    papers: [RankedPaper(paper: Self.paper("2611.00001"), score: 1, relevance: 0, trending: 1, learned: 0, matchedTerms: [])],
                                    date: Self.at, zone: "UTC", unsubscribeURL: "https://papers.example.org/unsubscribe?t=x", format: .both)
        let rendered = DigestRenderer(operatorName: "the lab's Paperboy").render(content)
        #expect(TextNormalizer.collapsed(rendered.text).contains("To change what you get, ask the lab's Paperboy."))
        #expect(!rendered.text.contains("More like this"))
        #expect(!rendered.text.contains("View in browser"))
        #expect(rendered.html?.contains("Not for me") == false)
    }

    @Test func subscribersShareCachedPaperBlocksButGetTheirOwnLinks() throws {
        let renderer = DigestRenderer(operatorName: "Paperboy")
        let papers = (1...5).map { Self.paper("2611.0000\($0)") }
        let ada = renderer.render(try Self.content("ada", papers: papers))
        let bob = renderer.render(try Self.content("bob", papers: papers.reversed()))
        // Five papers, rendered once for both digests.
        #expect(renderer.cachedPaperCount == 5)
        for id in papers.map(\.id) {
            #expect(ada.text.contains("t=ada&p=\(id)&a=not-for-me"))
            #expect(bob.text.contains("t=bob&p=\(id)&a=more-like-this"))
            #expect(try #require(bob.html).contains("t=bob&amp;p=\(id)&amp;a=not-for-me"))
        }
        #expect(!ada.text.contains("t=bob") && !(ada.html ?? "").contains("t=bob"))
        #expect(!bob.text.contains("t=ada") && !(bob.html ?? "").contains("t=ada"))
    }

    @Test func theNewValuesAreListedForTemplateOverrides() {
        #expect(DigestRenderer.frameValues.contains("preferences_url"))
        #expect(DigestRenderer.frameValues.contains("view_url"))
        #expect(DigestRenderer.paperVariables.contains("more_like_this_url"))
        #expect(DigestRenderer.paperVariables.contains("not_for_me_url"))
        // An override that uses them draws no "renders empty" warning.
        let warnings = TemplateCheck.warnings(
            files: ["paper.txt.mustache", "digest.txt.mustache"],
            sources: ["paper.txt.mustache": "{{title}} {{more_like_this_url}} {{not_for_me_url}}",
                      "digest.txt.mustache": "{{#view_url}}{{view_url}}{{/view_url}} {{preferences_url}}"],
            origins: [:])
        #expect(warnings.isEmpty, "\(warnings)")
    }
}
