import Foundation
import PaperboyCore

/// How a `Paper` is laid out in the `paper` table.
struct PaperRow {
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

    /// The table's columns, in the order `values` gives them (not `*`:
    /// PostgreSQL's table has the generated `search` column too).
    static let columns = "id, version, title, abstract, authors, categories, published_at, first_seen_at, updated_at, upvotes, comments, "
        + "abstract_url, pdf_url, code_url, project_url, ai_summary, ai_keywords, sources"

    /// Read by column: a run loads every paper of the look-back window
    /// before its first digest can be composed.
    init(row: SQLRow) throws {
        id = try row.get("id")
        version = try row.get("version")
        title = try row.get("title")
        abstract = try row.get("abstract")
        authors = try row.get("authors")
        categories = try row.get("categories")
        published_at = try row.get("published_at")
        first_seen_at = try row.get("first_seen_at")
        updated_at = try row.get("updated_at")
        upvotes = try row.get("upvotes")
        comments = try row.get("comments")
        abstract_url = try row.get("abstract_url")
        pdf_url = try row.get("pdf_url")
        code_url = try row.get("code_url")
        project_url = try row.get("project_url")
        ai_summary = try row.get("ai_summary")
        ai_keywords = try row.get("ai_keywords")
        sources = try row.get("sources")
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

    /// The values of `columns`, in order.
    private var values: SQLArguments {
        [id, version, title, abstract, authors, categories, published_at, first_seen_at, updated_at, upvotes, comments,
         abstract_url, pdf_url, code_url, project_url, ai_summary, ai_keywords, sources]
    }

    /// Inserts the row. In SQLite, FTS5's triggers (`synchronize(withTable:)`)
    /// index it; in PostgreSQL, `search` is generated.
    func insert(_ db: any SQLConnection) throws {
        try db.execute(sql: "INSERT INTO paper (\(Self.columns)) VALUES (\(SQL.placeholders(18)))", arguments: values)
    }

    /// Writes every column of the row with this id (the index follows, as on insert).
    func update(_ db: any SQLConnection) throws {
        try db.execute(sql: """
            UPDATE paper SET version = ?, title = ?, abstract = ?, authors = ?, categories = ?, published_at = ?, first_seen_at = ?,
                updated_at = ?, upvotes = ?, comments = ?, abstract_url = ?, pdf_url = ?, code_url = ?, project_url = ?, ai_summary = ?,
                ai_keywords = ?, sources = ?
            WHERE id = ?
            """, arguments: Array(values.dropFirst()) + [id])
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
