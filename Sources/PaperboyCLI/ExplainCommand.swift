import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy explain EMAIL [--at TIME] [--json] [--demo]`: why a digest holds what it holds.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the papers a subscriber's digest would hold, with scores, and why every other paper is left out.",
        discussion: "Lists the subscriber's liked and Not for me papers; per paper, the learned score from the likes with the words that pushed it most, the similarity to the closest Not for me paper, and what each adds to or takes from the score. Reasons: no match, below min upvotes, outside the window, already sent, already liked, marked Not for me, cut by max papers. An empty digest gets one sentence saying why. Changes nothing."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @OptionGroup var time: MomentOption

    @Flag(help: "Print JSON with every paper considered.")
    var json = false

    @Flag(help: "Also list each paper that did not match (by default they are counted).")
    var all = false

    @Flag(help: "Use the bundled demo corpus and demo subscribers (no config needed): ada@example.org, grace@example.org, alan@example.org.")
    var demo = false

    func run() throws {
        let email = try address.parsed()
        let moment = try time.moment()
        let (settings, store) = demo
            ? (DemoCorpus.mailConfig(), try DemoCorpus.storeWithSubscribers(at: moment.addingTimeInterval(-3600)))
            : try config.openConfiguredStore()
        guard let subscriber = try store.subscriber(email) else {
            throw CLIFailure("no subscriber has the address \(email); `paperboy subscriber list` shows them", exitCode: .dataError)
        }
        let loader = SelectionLoader(store: store, digest: settings.digest)
        let selector = try loader.selector(at: moment, subscribers: [subscriber])
        let outside = try store.papers(firstSeenAfter: selector.windowStart.addingTimeInterval(-30 * 86400), notAfter: moment.addingTimeInterval(30 * 86400))
            .filter { $0.firstSeenAt <= selector.windowStart || $0.firstSeenAt > moment }
        let maxPapers = subscriber.preferences.maxPapers ?? settings.digest.maxPapers
        let feedbackIDs = subscriber.preferences.likes + subscriber.preferences.dislikes
        let titles = feedbackIDs.isEmpty ? [:] : Dictionary(try store.papers(ids: feedbackIDs).map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        let explanation = selector.explain(
            subscriber.preferences, maxPapers: maxPapers,
            sent: try store.sentPaperIDs(subscriberID: subscriber.id),
            outside: outside, storeIsEmpty: try store.paperCount() == 0, latestFirstSeen: try store.latestFirstSeen()
        )
        if json {
            say(try PaperJSON.encode(ExplanationJSON(subscriber: subscriber, selector: selector, maxPapers: maxPapers, explanation: explanation, titles: titles)))
            return
        }
        say(ExplanationText.render(subscriber: subscriber, selector: selector, maxPapers: maxPapers, explanation: explanation, listAll: all, titles: titles))
    }
}

/// `explain --json`.
struct ExplanationJSON: Encodable {
    struct Entry: Encodable {
        var id: String
        var title: String
        var reason: String?
        var rank: Int?
        var score: Double?
        var relevance: Double?
        var trending: Double?
        /// The learned score from the likes (`ReaderModel`), -1...1.
        var learned: Double?
        /// The words that added most to it.
        var learned_terms: [String]?
        /// Cosine similarity to the closest paper marked Not for me.
        var dislike_similarity: Double?
        /// What the likes add to the score before trending (likes weight × learned).
        var likes_effect: Double?
        /// What the Not for me papers take from it (dislikes weight × dislike similarity, negative).
        var dislikes_effect: Double?
        var matched: [String]?
        var upvotes: Int?
        var first_seen_at: Date

        init(id: String, title: String, reason: String?, rank: Int?, ranked: RankedPaper?, ranking: RankingSettings, upvotes: Int?, first_seen_at: Date) {
            self.id = id
            self.title = title
            self.reason = reason
            self.rank = rank
            score = ranked?.score
            relevance = ranked?.relevance
            trending = ranked?.trending
            learned = ranked?.learned
            learned_terms = ranked?.learnedTerms
            dislike_similarity = ranked?.dislikeSimilarity
            likes_effect = ranked.map { ranking.likes * $0.learned }
            dislikes_effect = ranked.map { ranking.dislikes * $0.dislikeSimilarity == 0 ? 0 : -ranking.dislikes * $0.dislikeSimilarity }
            matched = ranked?.matchedTerms
            self.upvotes = upvotes
            self.first_seen_at = first_seen_at
        }
    }

    /// A liked or Not for me paper, with its title when stored.
    struct Marked: Encodable {
        var id: String
        var title: String?
    }

    var email: String
    var status: String
    var at: Date
    var window_start: Date
    var max_papers: Int
    var empty_reason: String?
    var likes: [Marked]
    var dislikes: [Marked]
    var selected: [Entry]
    var excluded: [Entry]

    init(subscriber: Subscriber, selector: DigestSelector, maxPapers: Int, explanation: DigestExplanation, titles: [String: String] = [:]) {
        email = subscriber.email.description
        status = subscriber.status.rawValue
        at = selector.at
        window_start = selector.windowStart
        max_papers = maxPapers
        empty_reason = explanation.emptyReason
        likes = subscriber.preferences.likes.map { Marked(id: $0, title: titles[$0]) }
        dislikes = subscriber.preferences.dislikes.map { Marked(id: $0, title: titles[$0]) }
        let ranking = selector.ranking
        selected = explanation.selected.enumerated().map { rank, paper in
            Entry(id: paper.paper.id, title: paper.paper.title, reason: nil, rank: rank + 1, ranked: paper, ranking: ranking,
                  upvotes: paper.paper.upvotes, first_seen_at: paper.paper.firstSeenAt)
        }
        excluded = explanation.excluded.map { item in
            Entry(id: item.paper.id, title: item.paper.title, reason: item.reason.rawValue, rank: nil, ranked: item.ranked, ranking: ranking,
                  upvotes: item.paper.upvotes, first_seen_at: item.paper.firstSeenAt)
        }
    }
}

/// `explain` for a terminal.
enum ExplanationText {
    static func render(subscriber: Subscriber, selector: DigestSelector, maxPapers: Int, explanation: DigestExplanation, listAll: Bool,
                       titles: [String: String] = [:]) -> String {
        var lines: [String] = []
        lines.append("\(subscriber.email) at \(DisplayDate.minute(selector.at)): papers first seen after \(DisplayDate.minute(selector.windowStart)), at most \(maxPapers)")
        if subscriber.unsubscribedAt != nil {
            lines.append("Note: they unsubscribed on \(DisplayDate.minute(subscriber.unsubscribedAt!)); no digest goes to them.")
        } else if subscriber.preferences.paused {
            lines.append("Note: they are paused\(subscriber.pausedReason.map { " (\($0))" } ?? ""); no digest goes out until `paperboy subscriber resume`.")
        }
        let preferences = subscriber.preferences
        for (heading, ids) in [("Liked (they train the learned score)", preferences.likes), ("Not for me (never selected; similar papers rank lower)", preferences.dislikes)] where !ids.isEmpty {
            lines.append("\(heading):")
            lines += ids.map { "  \($0)  \(titles[$0] ?? "(not stored)")" }
        }
        let ranking = selector.ranking
        if let reason = explanation.emptyReason {
            lines.append("The digest would be empty. \(reason)")
        } else {
            lines.append("Digest (\(explanation.selected.count) paper\(explanation.selected.count == 1 ? "" : "s")):")
            for (rank, paper) in explanation.selected.enumerated() {
                lines.append(String(format: "%3d. %@  score %.3f (relevance %.2f, learned %.2f, trending %.2f)%@", rank + 1, paper.paper.id, paper.score,
                                    paper.relevance, paper.learned, paper.trending, paper.paper.upvotes.map { ", \($0) upvotes" } ?? ""))
                lines.append("     \(paper.paper.title)")
                if !paper.matchedTerms.isEmpty { lines.append("     matched: \(paper.matchedTerms.joined(separator: ", "))") }
                if let effect = feedbackEffect(paper, ranking: ranking, preferences: preferences) { lines.append("     \(effect)") }
            }
        }
        var counts: [ExclusionReason: Int] = [:]
        var shown: [String] = []
        for item in explanation.excluded {
            counts[item.reason, default: 0] += 1
            if item.reason == .noMatch && !listAll { continue }
            let score = item.ranked.map { String(format: " (score %.3f)", $0.score) } ?? ""
            shown.append("  \(item.paper.id)  \(item.reason.explanation)\(score): \(item.paper.title)")
            if let ranked = item.ranked, let effect = feedbackEffect(ranked, ranking: ranking, preferences: preferences) { shown.append("      \(effect)") }
        }
        if !shown.isEmpty {
            lines.append("Left out:")
            lines += shown
        }
        let summary = ExclusionReason.allCases.compactMap { reason in counts[reason].map { "\($0) \(reason.rawValue)" } }
        lines.append("\(explanation.selected.count) selected" + (summary.isEmpty ? "" : "; " + summary.joined(separator: ", ")) + (listAll || counts[.noMatch] == nil ? "" : " (--all lists the papers that did not match)"))
        return lines.joined(separator: "\n")
    }
}

extension ExplanationText {
    /// What the liked and Not for me papers did to a paper's score, or nil
    /// when the subscriber has neither: "likes: learned 0.42 → +0.420 (most
    /// from distillation, teacher, student); not for me: similarity 0.91 → −0.910".
    static func feedbackEffect(_ paper: RankedPaper, ranking: RankingSettings, preferences: SubscriberPreferences) -> String? {
        var parts: [String] = []
        if !preferences.likes.isEmpty {
            let terms = paper.learnedTerms.isEmpty ? "" : " (most from \(paper.learnedTerms.joined(separator: ", ")))"
            parts.append(String(format: "likes: learned %.2f → %+.3f", paper.learned, ranking.likes * paper.learned) + terms)
        }
        if !preferences.dislikes.isEmpty {
            let penalty = ranking.dislikes * paper.dislikeSimilarity
            parts.append(String(format: "not for me: similarity %.2f → %+.3f", paper.dislikeSimilarity, penalty == 0 ? 0 : -penalty))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
