import Foundation
internal import GRDB
import PaperboyCore

/// How a `Paper` is laid out in the `paper` table.
struct PaperRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "paper"

    var id: String
    var version: Int?
    var title: String
    var abstract: String
    var authors: String
    var categories: String
    var published_at: Double?
    var first_seen_at: Double
    var updated_at: Double
    var upvotes: Int?
    var comments: Int?
    var abstract_url: String?
    var pdf_url: String?
    var code_url: String?
    var project_url: String?
    var ai_summary: String?
    var ai_keywords: String
    var sources: String

    init(_ paper: Paper, updatedAt: Date) {
        id = paper.id
        version = paper.version
        title = paper.title
        abstract = paper.abstract
        authors = PaperRow.encode(paper.authors)
        categories = PaperRow.encode(paper.categories)
        published_at = paper.publishedAt?.timeIntervalSince1970
        first_seen_at = paper.firstSeenAt.timeIntervalSince1970
        updated_at = updatedAt.timeIntervalSince1970
        upvotes = paper.upvotes
        comments = paper.comments
        abstract_url = paper.links.abstract
        pdf_url = paper.links.pdf
        code_url = paper.links.code
        project_url = paper.links.projectPage
        ai_summary = paper.aiSummary
        ai_keywords = PaperRow.encode(paper.aiKeywords)
        sources = PaperRow.encode(paper.sources)
    }

    var paper: Paper {
        Paper(
            id: id, version: version, title: title, abstract: abstract,
            authors: PaperRow.decode(authors), categories: PaperRow.decode(categories),
            publishedAt: published_at.map(Date.init(timeIntervalSince1970:)),
            firstSeenAt: Date(timeIntervalSince1970: first_seen_at),
            upvotes: upvotes, comments: comments,
            links: PaperLinks(abstract: abstract_url, pdf: pdf_url, code: code_url, projectPage: project_url),
            aiSummary: ai_summary, aiKeywords: PaperRow.decode(ai_keywords),
            sources: PaperRow.decode(sources)
        )
    }

    static func encode(_ list: [String]) -> String {
        let data = (try? JSONEncoder().encode(list)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
