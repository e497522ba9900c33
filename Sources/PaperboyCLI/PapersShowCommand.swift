import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy papers show ID [--json]`
struct PapersShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one stored paper in full."
    )

    @OptionGroup var source: PaperSourceOptions

    @Argument(help: "The paper's id: an arXiv id (2312.02896, with or without a version) or a title-… id from `papers list`.")
    var id: String

    @Flag(name: .long, help: "Print the paper as JSON.")
    var json = false

    func run() throws {
        let store = try source.openStore()
        guard let paper = try store.paper(id: id) else {
            throw CLIFailure("no stored paper has the id \"\(id)\"; `paperboy papers list` shows the stored ids", exitCode: .dataError)
        }
        if json {
            say(try PaperJSON.encode(paper))
            return
        }
        var lines = ["\(paper.title)", "id:          \(paper.id)\(paper.version.map { " (latest version v\($0))" } ?? "")"]
        if !paper.authors.isEmpty { lines.append("authors:     \(paper.authors.joined(separator: ", "))") }
        if !paper.categories.isEmpty { lines.append("categories:  \(paper.categories.joined(separator: ", "))") }
        if let published = paper.publishedAt { lines.append("published:   \(DisplayDate.minute(published))") }
        lines.append("first seen:  \(DisplayDate.minute(paper.firstSeenAt))")
        if let upvotes = paper.upvotes { lines.append("upvotes:     \(upvotes)") }
        if let comments = paper.comments { lines.append("comments:    \(comments)") }
        if let url = paper.links.abstract { lines.append("abstract:    \(url)") }
        if let url = paper.links.pdf { lines.append("pdf:         \(url)") }
        if let url = paper.links.code { lines.append("code:        \(url)") }
        if let url = paper.links.projectPage { lines.append("project:     \(url)") }
        lines.append("sources:     \(paper.sources.joined(separator: ", "))")
        if let summary = paper.aiSummary { lines += ["", "AI summary: \(summary)"] }
        if !paper.aiKeywords.isEmpty { lines.append("keywords:   \(paper.aiKeywords.joined(separator: ", "))") }
        if !paper.abstract.isEmpty { lines += ["", paper.abstract] }
        say(lines.joined(separator: "\n"))
    }
}
