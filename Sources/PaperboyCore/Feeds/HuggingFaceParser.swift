import Foundation

/// Reads the Hugging Face `/api/daily_papers` JSON: an array of records,
/// each with the arXiv paper inside `paper`. Handles the 2024 shape and the
/// 2026 one (with `ai_summary`, `ai_keywords`, `githubRepo`, `projectPage`,
/// `organization`).
public enum HuggingFaceParser {
    struct Record: Decodable {
        var paper: PaperBody?
        var title: String?
        var summary: String?
        var publishedAt: String?
        var numComments: Int?
    }

    struct PaperBody: Decodable {
        var id: String?
        var title: String?
        var summary: String?
        var authors: [Author]?
        var publishedAt: String?
        var upvotes: Int?
        var githubRepo: String?
        var projectPage: String?
        var ai_summary: String?
        var ai_keywords: [String]?
    }

    struct Author: Decodable {
        var name: String?
        var hidden: Bool?
    }

    public static func parse(_ body: [UInt8], context: FeedContext) throws(FeedError) -> FeedParseResult {
        _ = try FeedBody.utf8(body)
        try JSONDepth.check(body)
        let records: [Record]
        do {
            records = try JSONDecoder().decode([Record].self, from: Data(body))
        } catch let error as DecodingError {
            throw JSONDiagnostics.error(for: error, body: body, expected: "a JSON array of daily-paper records (the /api/daily_papers response)")
        } catch {
            throw FeedError(code: .malformedJSON, message: "the response is not JSON: \(error)", hint: "Check the source's url")
        }

        var papers: [Paper] = []
        var skipped: [String] = []
        for (index, record) in records.enumerated() {
            let entry = "record \(index + 1)"
            guard let inner = record.paper else {
                skipped.append("\(entry): no \"paper\" object")
                continue
            }
            guard let rawID = inner.id, let arxiv = ArxivID(parsing: rawID) else {
                skipped.append("\(entry): \"paper.id\" \(inner.id.map { "\"\($0)\"" } ?? "is missing") is not an arXiv id")
                continue
            }
            let title = TextNormalizer.collapsed(inner.title ?? record.title ?? "")
            guard !title.isEmpty else {
                skipped.append("\(entry) (\(arxiv.id)): no title")
                continue
            }
            let abstract = TextNormalizer.collapsed(inner.summary ?? record.summary ?? "")
            let authors = (inner.authors ?? []).compactMap { $0.name.map(TextNormalizer.collapsed) }.filter { !$0.isEmpty }
            let links = PaperLinks(
                abstract: PaperLinks.arxiv(arxiv.id).abstract,
                pdf: PaperLinks.arxiv(arxiv.id).pdf,
                code: inner.githubRepo,
                projectPage: inner.projectPage
            )
            let summary = inner.ai_summary.map(TextNormalizer.collapsed).flatMap { $0.isEmpty ? nil : $0 }
            papers.append(Paper(
                id: arxiv.id,
                version: arxiv.version,
                title: title,
                abstract: abstract,
                authors: authors,
                publishedAt: (inner.publishedAt ?? record.publishedAt).flatMap(FeedDate.parse),
                firstSeenAt: context.fetchedAt,
                upvotes: inner.upvotes,
                comments: record.numComments,
                links: links,
                aiSummary: summary,
                aiKeywords: (inner.ai_keywords ?? []).map(TextNormalizer.collapsed).filter { !$0.isEmpty },
                sources: [context.sourceName]
            ))
        }
        return FeedParseResult(papers: papers, skipped: skipped)
    }
}

/// Turns a DecodingError into a message that says where the JSON went wrong.
enum JSONDiagnostics {
    static func error(for error: DecodingError, body: [UInt8], expected: String) -> FeedError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? context.debugDescription
            return FeedError(
                code: .malformedJSON,
                message: "the response is not well-formed JSON (\(detail))",
                hint: "Check that the source's url returns \(expected)"
            )
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            return FeedError(
                code: .unexpectedShape,
                message: "unexpected JSON at \(path(context.codingPath)): \(context.debugDescription)",
                hint: "Expected \(expected); check the source's type and url"
            )
        @unknown default:
            return FeedError(code: .malformedJSON, message: "the response is not usable JSON", hint: "Expected \(expected)")
        }
    }

    static func path(_ codingPath: [CodingKey]) -> String {
        if codingPath.isEmpty { return "the top level" }
        return codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)"
        }.joined().trimmingPrefix(".").description
    }
}
