import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy papers search QUERY [--json]`: try a query before subscribing with it.
struct PapersSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Show the stored papers a query matches (the query language of subscriptions)."
    )

    @OptionGroup var source: PaperSourceOptions

    @Argument(help: "A query such as '\"knowledge distillation\" OR continual' (see docs/query-language.md).")
    var query: String

    @Option(help: "At most this many papers.")
    var limit: Int = 50

    @Flag(help: "Print a JSON array of papers, each with the terms it matched.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        do {
            _ = try Query.parse(query)
        } catch {
            throw ValidationError("query: \(error.description)")
        }
    }

    struct Hit: Encodable {
        var paper: Paper
        var matched: [String]
    }

    func run() throws {
        let parsed = try Query.parse(query)
        let store = try source.openStore()
        let index = PaperIndex(papers: try store.papers())
        let matches = index.matches(parsed)
        let hits = matches.prefix(limit).map { Hit(paper: index.papers[$0], matched: index.matchedTerms(parsed, paper: $0)) }
        if json {
            say(try PaperJSON.encode(hits))
            return
        }
        for hit in hits {
            let upvotes = hit.paper.upvotes.map { "\($0)▲ " } ?? ""
            say("\(hit.paper.id)  \(upvotes)\(hit.paper.title)")
            if !hit.matched.isEmpty { say("    matched: \(hit.matched.joined(separator: ", "))") }
        }
        say("\(matches.count) of \(index.papers.count) stored papers match\(matches.count > hits.count ? " (showing \(hits.count); raise --limit)" : "")")
    }
}
