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

    /// Read by column, not through Decodable: a run loads every paper of
    /// the look-back window before its first digest can be composed.
    init(row: Row) {
        id = row["id"]
        version = row["version"]
        title = row["title"]
        abstract = row["abstract"]
        authors = row["authors"]
        categories = row["categories"]
        published_at = row["published_at"]
        first_seen_at = row["first_seen_at"]
        updated_at = row["updated_at"]
        upvotes = row["upvotes"]
        comments = row["comments"]
        abstract_url = row["abstract_url"]
        pdf_url = row["pdf_url"]
        code_url = row["code_url"]
        project_url = row["project_url"]
        ai_summary = row["ai_summary"]
        ai_keywords = row["ai_keywords"]
        sources = row["sources"]
    }

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

    /// A JSON array of strings. The usual lists (printable ASCII without
    /// `"`, `\\` or `/`, which JSON writes as they are) are written directly;
    /// anything else goes through the JSON encoder.
    static func encode(_ list: [String]) -> String {
        if list.isEmpty { return "[]" }
        var out = "["
        for (index, item) in list.enumerated() {
            for byte in item.utf8 where byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") {
                let data = (try? JSONEncoder().encode(list)) ?? Data("[]".utf8)
                return String(decoding: data, as: UTF8.self)
            }
            if index > 0 { out += "," }
            out += "\""
            out += item
            out += "\""
        }
        out += "]"
        return out
    }

    /// The list `encode` wrote. Lists without escapes (nearly all: ids,
    /// categories, names) are split directly, 100,000 subscribers' worth in
    /// milliseconds; anything else goes through JSONDecoder.
    static func decode(_ text: String) -> [String] {
        if text == "[]" { return [] }
        if let plain = decodePlain(text) { return plain }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    /// `["a","b"]` without a backslash in it, else nil.
    private static func decodePlain(_ text: String) -> [String]? {
        var utf8 = Array(text.utf8)
        guard utf8.first == UInt8(ascii: "["), utf8.last == UInt8(ascii: "]"), !utf8.contains(UInt8(ascii: "\\")) else { return nil }
        utf8.removeFirst()
        utf8.removeLast()
        var items: [String] = []
        var index = 0
        while index < utf8.count {
            guard utf8[index] == UInt8(ascii: "\"") else { return nil }
            guard let end = utf8[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            items.append(String(decoding: utf8[(index + 1)..<end], as: UTF8.self))
            index = end + 1
            if index < utf8.count {
                guard utf8[index] == UInt8(ascii: ",") else { return nil }
                index += 1
                guard index < utf8.count else { return nil }
            }
        }
        return items
    }
}
