import Foundation

/// Reads arXiv feeds, detecting the flavour from the document:
/// - Atom from the arXiv API (`http://arxiv.org/abs/IDvN` ids,
///   `arxiv:primary_category`, `link title="pdf"`);
/// - Atom from rss.arxiv.org (`oai:arXiv.org:IDvN` ids, an
///   `arXiv:… Announce Type: … Abstract:` prefix on the summary, one
///   comma-joined `dc:creator`);
/// - RSS 2.0 (and RSS 1.0/RDF) from rss.arxiv.org/rss, with `item`s.
public enum ArxivFeedParser {
    static let atom = "http://www.w3.org/2005/Atom"
    static let arxivNS = "http://arxiv.org/schemas/atom"

    public static func parse(_ body: [UInt8], context: FeedContext) throws(FeedError) -> FeedParseResult {
        let root = try XMLTree.parse(body)
        switch root.name {
        case "feed":
            return parseEntries(root.all("entry"), context: context, read: atomEntry)
        case "rss", "RDF":
            return parseEntries(root.descendants("item"), context: context, read: rssItem)
        default:
            throw FeedError(
                code: .unexpectedShape,
                message: "the XML document is <\(root.name)>, not an Atom <feed> or an RSS <rss>",
                hint: "Check that the source's url returns an arXiv Atom or RSS feed"
            )
        }
    }

    /// The fields one entry or item yields before normalisation.
    struct RawEntry {
        var id: String?
        var title: String?
        var summary: String?
        var authors: [String] = []
        var categories: [String] = []
        var published: String?
        var abstractLink: String?
        var pdfLink: String?
    }

    static func parseEntries(_ nodes: [XMLElementNode], context: FeedContext, read: (XMLElementNode) -> RawEntry) -> FeedParseResult {
        var papers: [Paper] = []
        var skipped: [String] = []
        for (index, node) in nodes.enumerated() {
            let raw = read(node)
            let label = "entry \(index + 1)"
            guard let rawID = raw.id ?? raw.abstractLink, let arxiv = ArxivID(parsing: rawID) else {
                skipped.append("\(label): id \(raw.id.map { "\"\($0)\"" } ?? "missing") is not an arXiv id")
                continue
            }
            let title = TextNormalizer.collapsed(raw.title ?? "")
            guard !title.isEmpty else {
                skipped.append("\(label) (\(arxiv.id)): no title")
                continue
            }
            var links = PaperLinks.arxiv(arxiv.id)
            if let pdf = raw.pdfLink.flatMap(WebURL.safe), ArxivID(parsing: pdf) == nil {
                links.pdf = pdf
            }
            papers.append(Paper(
                id: arxiv.id,
                version: arxiv.version,
                title: title,
                abstract: abstractText(raw.summary ?? ""),
                authors: raw.authors.map { TextNormalizer.detexed(TextNormalizer.collapsed($0)) }.filter { !$0.isEmpty },
                categories: arxivCategories(raw.categories),
                publishedAt: raw.published.flatMap(FeedDate.parse),
                firstSeenAt: context.fetchedAt,
                links: links,
                sources: [context.sourceName]
            ))
        }
        return FeedParseResult(papers: papers, skipped: skipped)
    }

    static func atomEntry(_ entry: XMLElementNode) -> RawEntry {
        var raw = RawEntry()
        raw.id = entry.childText("id")
        raw.title = entry.childText("title")
        raw.summary = entry.childText("summary") ?? entry.childText("content")
        raw.published = entry.childText("published") ?? entry.childText("updated")
        raw.authors = entry.all("author").compactMap { $0.childText("name") }
        if raw.authors.isEmpty {
            raw.authors = entry.all("creator").flatMap { splitCreators($0.text) }
        }
        var categories: [String] = []
        if let primary = entry.child("primary_category")?.attributes["term"] { categories.append(primary) }
        categories += entry.all("category").compactMap { $0.attributes["term"] }
        raw.categories = categories
        for link in entry.all("link") {
            guard let href = link.attributes["href"] else { continue }
            if link.attributes["title"] == "pdf" || link.attributes["type"] == "application/pdf" {
                raw.pdfLink = href
            } else if link.attributes["rel"] == nil || link.attributes["rel"] == "alternate" {
                raw.abstractLink = href
            }
        }
        return raw
    }

    static func rssItem(_ item: XMLElementNode) -> RawEntry {
        var raw = RawEntry()
        raw.id = item.childText("guid") ?? item.childText("identifier") ?? item.childText("link")
        raw.abstractLink = item.childText("link")
        raw.title = item.childText("title")
        raw.summary = item.childText("description") ?? item.childText("encoded")
        raw.published = item.childText("pubDate") ?? item.childText("date")
        raw.authors = item.all("creator").flatMap { splitCreators($0.text) }
        raw.categories = item.all("category").map(\.text) + item.all("subject").map(\.text)
        return raw
    }

    /// rss.arxiv.org puts every author in one `dc:creator`, comma-separated.
    static func splitCreators(_ text: String) -> [String] {
        text.split(separator: ",").map { TextNormalizer.collapsed(String($0)) }
            .map { $0.hasPrefix("and ") ? String($0.dropFirst(4)) : $0 }
            .filter { !$0.isEmpty }
    }

    /// Drops the `arXiv:2508.13426v1 Announce Type: cross Abstract:` prefix
    /// rss.arxiv.org puts before the abstract, and collapses whitespace.
    static func abstractText(_ summary: String) -> String {
        let text = TextNormalizer.collapsed(summary)
        guard text.hasPrefix("arXiv:"), let marker = text.range(of: "Abstract:") else { return text }
        let head = text[..<marker.lowerBound]
        guard head.contains("Announce Type:") else { return text }
        return TextNormalizer.trimmed(String(text[marker.upperBound...]))
    }

    /// Keeps arXiv categories (`cs.CV`, `math.NA`, `hep-th`, `q-fin.CP`,
    /// `cond-mat.str-el`), dropping classification codes such as
    /// `35J20, 35B38` or `I.2.7`, and duplicates; order (primary first) kept.
    static func arxivCategories(_ terms: [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for term in terms.map(TextNormalizer.collapsed) where ArxivCategory.isValid(term) && !seen.contains(term) {
            seen.insert(term)
            result.append(term)
        }
        return result
    }
}
