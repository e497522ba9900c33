import Foundation

/// Reads the `json` source type: a JSON array of papers, or JSON Lines (one
/// paper object per line). Each paper has `title` and `summary` (or
/// `abstract`), and optionally `id`, `authors`, `categories`, `url`,
/// `published`, `upvotes`. A paper without an id gets a stable one derived
/// from its normalised title.
public enum JSONPapersParser {
    struct Entry: Decodable {
        var id: String?
        var title: String?
        var summary: String?
        var abstract: String?
        var authors: Names?
        var categories: Names?
        var url: String?
        var published: String?
        var upvotes: Int?

        enum CodingKeys: String, CodingKey {
            case id, title, summary, abstract, authors, categories, url, published, upvotes
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Ids may be numbers in hand-made files.
            if let text = try? c.decodeIfPresent(String.self, forKey: .id) {
                id = text
            } else if let number = try? c.decodeIfPresent(Int.self, forKey: .id) {
                id = String(number)
            }
            title = try c.decodeIfPresent(String.self, forKey: .title)
            summary = try c.decodeIfPresent(String.self, forKey: .summary)
            abstract = try c.decodeIfPresent(String.self, forKey: .abstract)
            authors = try c.decodeIfPresent(Names.self, forKey: .authors)
            categories = try c.decodeIfPresent(Names.self, forKey: .categories)
            url = try c.decodeIfPresent(String.self, forKey: .url)
            published = try c.decodeIfPresent(String.self, forKey: .published)
            upvotes = try c.decodeIfPresent(Int.self, forKey: .upvotes)
        }
    }

    /// A list given as an array of strings, an array of `{name}` objects, or one comma-separated string.
    struct Names: Decodable {
        var values: [String]

        struct Named: Decodable { var name: String }

        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let list = try? single.decode([String].self) {
                values = list
            } else if let list = try? single.decode([Named].self) {
                values = list.map(\.name)
            } else {
                values = try single.decode(String.self).split(separator: ",").map(String.init)
            }
        }
    }

    public static func parse(_ body: [UInt8], context: FeedContext) throws(FeedError) -> FeedParseResult {
        let text = try FeedBody.utf8(body)
        try JSONDepth.check(body)
        let firstSignificant = text.unicodeScalars.first { !$0.properties.isWhitespace }
        var entries: [(label: String, entry: Entry)] = []
        let expected = "a JSON array of papers or JSON Lines, each with \"title\" and \"summary\""
        if firstSignificant == "[" {
            do {
                let list = try JSONDecoder().decode([Entry].self, from: Data(body))
                entries = list.enumerated().map { ("paper \($0.offset + 1)", $0.element) }
            } catch let error as DecodingError {
                throw JSONDiagnostics.error(for: error, body: body, expected: expected)
            } catch {
                throw FeedError(code: .malformedJSON, message: "the response is not JSON: \(error)", hint: "Expected \(expected)")
            }
        } else if firstSignificant == "{" {
            // Any line ending: \n, \r\n (one Character in Swift) or \r.
            for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let trimmed = TextNormalizer.trimmed(String(line))
                if trimmed.isEmpty { continue }
                do {
                    entries.append(("line \(number + 1)", try JSONDecoder().decode(Entry.self, from: Data(trimmed.utf8))))
                } catch let error as DecodingError {
                    let inner = JSONDiagnostics.error(for: error, body: body, expected: expected)
                    throw FeedError(code: inner.code, message: "line \(number + 1): \(inner.message)", hint: inner.hint)
                } catch {
                    throw FeedError(code: .malformedJSON, message: "line \(number + 1) is not JSON", hint: "Expected \(expected)")
                }
            }
        } else {
            throw FeedError(
                code: .malformedJSON,
                message: firstSignificant == nil ? "the response is empty" : "the response is not JSON (it starts with \"\(String(text.prefix(20)))\")",
                hint: "Expected \(expected)"
            )
        }

        var papers: [Paper] = []
        var skipped: [String] = []
        for (label, entry) in entries {
            let title = TextNormalizer.collapsed(entry.title ?? "")
            guard !title.isEmpty else {
                skipped.append("\(label): no title")
                continue
            }
            let abstract = TextNormalizer.collapsed(entry.summary ?? entry.abstract ?? "")
            let arxiv = (entry.id.flatMap(ArxivID.init(parsing:))) ?? entry.url.flatMap(ArxivID.init(parsing:))
            let id: String
            if let arxiv {
                id = arxiv.id
            } else if let given = entry.id.map(TextNormalizer.collapsed), !given.isEmpty {
                id = given
            } else {
                id = StableID.forTitle(title)
            }
            var links = arxiv.map { PaperLinks.arxiv($0.id) } ?? PaperLinks()
            if let url = entry.url.flatMap(WebURL.safe) { links.abstract = url }
            papers.append(Paper(
                id: id,
                version: arxiv?.version,
                title: title,
                abstract: abstract,
                authors: (entry.authors?.values ?? []).map(TextNormalizer.collapsed).filter { !$0.isEmpty },
                categories: (entry.categories?.values ?? []).map(TextNormalizer.collapsed).filter { !$0.isEmpty },
                publishedAt: entry.published.flatMap(FeedDate.parse),
                firstSeenAt: context.fetchedAt,
                upvotes: entry.upvotes,
                links: links,
                sources: [context.sourceName]
            ))
        }
        return FeedParseResult(papers: papers, skipped: skipped)
    }
}

/// Ids for papers that have no arXiv id.
public enum StableID {
    /// `title-` and 16 hex digits of the 64-bit FNV-1a hash of the normalised
    /// title: the same title always gives the same id, on every machine.
    public static func forTitle(_ title: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in TextNormalizer.titleKey(title).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "title-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
