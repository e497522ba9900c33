import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `DigestComposer` puts the reader's links (made by `ReaderLinks`) into
/// every digest; the planner gives planned digests their period key, so
/// only they link to "View in browser".
@Suite struct DigestLinksComposerTests {
    static let at = Date(timeIntervalSince1970: 1_795_000_000)

    static func composer() throws -> DigestComposer {
        try MailSetup.composer(config: DemoCorpus.mailConfig(), configPath: "(test)", environment: DemoCorpus.demoEnvironment)
    }

    /// The `t` parameter of a URL.
    static func token(in url: String) throws -> String {
        let query = try #require(URLComponents(string: url)?.queryItems)
        return try #require(query.first { $0.name == ReaderLinks.Parameter.token }?.value)
    }

    @Test func plannedDigestsCarryEveryLinkBoundToTheirSubscriber() throws {
        let store = try DemoCorpus.storeWithSubscribers(at: Self.at.addingTimeInterval(-3600))
        let composer = try Self.composer()
        let planner = DigestPlanner(store: store, settings: DemoCorpus.mailConfig(), composer: composer)
        let decisions = try planner.decide(at: Self.at, all: true, only: nil)
        var digests = 0
        for decision in decisions {
            guard case .digest(let papers, let composed) = decision.outcome else { continue }
            digests += 1
            let subscriber = decision.subscriber
            let links = composer.links
            // The frame's lines are wrapped at 78 (a long URL goes on a line of its own).
            let text = TextNormalizer.collapsed(composed.rendered.text)
            // A text-only subscriber has no HTML part.
            let html = composed.rendered.html ?? ""
            #expect(composed.rendered.html != nil || subscriber.preferences.format == .text)
            let view = links.view(subscriber, periodKey: decision.periodKey.rawValue)
            #expect(text.contains("View in browser: \(view)"))
            #expect(html.isEmpty || html.contains("href=\"\(HTMLText.escape(view))\""))
            #expect(text.contains("Change what you get: \(links.preferences(subscriber))"))
            #expect(html.isEmpty || html.contains("href=\"\(HTMLText.escape(links.preferences(subscriber)))\""))
            #expect(!text.contains("reply to this email"))
            for ranked in papers {
                let notForMe = links.feedback(subscriber, paperID: ranked.paper.id, .notForMe)
                let more = links.feedback(subscriber, paperID: ranked.paper.id, .moreLikeThis)
                #expect(text.contains("Not for me: \(notForMe)"))
                #expect(text.contains("More like this: \(more)"))
                #expect(html.isEmpty || html.contains("href=\"\(HTMLText.escape(notForMe))\""))
                // The token is bound to this subscriber, this paper and this action.
                let claim = try #require(LinkToken.claim(try Self.token(in: notForMe)))
                #expect(claim.subscriberID == subscriber.id)
                #expect(composer.tokens.verify(claim, purpose: .notForMe, email: subscriber.email, subject: ranked.paper.id))
                #expect(!composer.tokens.verify(claim, purpose: .moreLikeThis, email: subscriber.email, subject: ranked.paper.id))
                #expect(!composer.tokens.verify(claim, purpose: .notForMe, email: subscriber.email, subject: ranked.paper.id + "x"))
            }
        }
        #expect(digests == 3)
    }

    @Test func aPreviewHasNoViewLinkButTheRest() throws {
        let composer = try Self.composer()
        let papers = try DemoCorpus.papers(at: Self.at.addingTimeInterval(-3600)).prefix(2)
        let subscriber = Subscriber(id: 7, preferences: SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")),
                                    createdAt: Self.at, updatedAt: Self.at)
        let ranked = papers.map { RankedPaper(paper: $0, score: 1, relevance: 0, trending: 1, learned: 0, matchedTerms: []) }
        for composed in [composer.compose(subscriber, papers: ranked, at: Self.at),
                         composer.compose(subscriber, papers: ranked, at: Self.at, testRecipient: try EmailAddress(parsing: "me@example.org"))] {
            #expect(!composed.rendered.text.contains("View in browser"))
            #expect(composed.rendered.html?.contains("View in browser") == false)
            #expect(TextNormalizer.collapsed(composed.rendered.text).contains("Change what you get: \(composer.links.preferences(subscriber))"))
            #expect(composed.rendered.text.contains("Not for me: \(composer.links.feedback(subscriber, paperID: ranked[0].paper.id, .notForMe))"))
        }
        let planned = composer.compose(subscriber, papers: ranked, at: Self.at, periodKey: "all:2026-11-18 08:00Z")
        #expect(TextNormalizer.collapsed(planned.rendered.text).contains("View in browser: \(composer.links.view(subscriber, periodKey: "all:2026-11-18 08:00Z"))"))
    }
}
