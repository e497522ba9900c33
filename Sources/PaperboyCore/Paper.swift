import Foundation

/// One research paper, normalised from whichever feeds mentioned it.
public struct Paper: Codable, Equatable, Sendable {
    /// Canonical id: the arXiv id without its version (`2312.02896`,
    /// `math/0611846`) where there is one, else a stable id derived from the
    /// normalised title (`title-1a2b3c4d5e6f7a8b`).
    public var id: String
    /// The latest arXiv version seen (2 for `2312.02896v2`), if known.
    public var version: Int?
    /// Title, whitespace collapsed to single spaces.
    public var title: String
    /// Abstract, whitespace collapsed to single spaces.
    public var abstract: String
    public var authors: [String]
    /// arXiv categories, primary first.
    public var categories: [String]
    /// When the paper was published, as the feed says.
    public var publishedAt: Date?
    /// When Paperboy first saw the paper; the store keeps the earliest.
    public var firstSeenAt: Date
    /// Hugging Face upvotes; nil when no source has upvote data.
    public var upvotes: Int?
    /// Number of comments on the paper's discussion page, when known.
    public var comments: Int?
    public var links: PaperLinks
    /// A short machine-written summary, when the feed has one.
    public var aiSummary: String?
    public var aiKeywords: [String]
    /// Names of the configured sources that mentioned the paper.
    public var sources: [String]

    public init(
        id: String, version: Int? = nil, title: String, abstract: String,
        authors: [String] = [], categories: [String] = [], publishedAt: Date? = nil,
        firstSeenAt: Date, upvotes: Int? = nil, comments: Int? = nil,
        links: PaperLinks = PaperLinks(), aiSummary: String? = nil, aiKeywords: [String] = [],
        sources: [String] = []
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.publishedAt = publishedAt
        self.firstSeenAt = firstSeenAt
        self.upvotes = upvotes
        self.comments = comments
        self.links = links
        self.aiSummary = aiSummary
        self.aiKeywords = aiKeywords
        self.sources = sources
    }
}

/// Links about a paper. Only http and https URLs are ever stored.
public struct PaperLinks: Codable, Equatable, Sendable {
    public var abstract: String?
    public var pdf: String?
    public var code: String?
    public var projectPage: String?

    public init(abstract: String? = nil, pdf: String? = nil, code: String? = nil, projectPage: String? = nil) {
        self.abstract = abstract.flatMap(WebURL.safe)
        self.pdf = pdf.flatMap(WebURL.safe)
        self.code = code.flatMap(WebURL.safe)
        self.projectPage = projectPage.flatMap(WebURL.safe)
    }

    /// Links for an arXiv paper, pointing at the unversioned abstract and PDF.
    public static func arxiv(_ id: String) -> PaperLinks {
        PaperLinks(abstract: "https://arxiv.org/abs/\(id)", pdf: "https://arxiv.org/pdf/\(id)")
    }
}

extension Paper {
    /// Combines what another source says about the same paper into this one.
    ///
    /// Title, abstract, authors and the order of categories come from the
    /// report with the higher arXiv version (an arXiv feed over Hugging Face,
    /// v2 over v1); between equals the stored text stays, so two feeds that
    /// word a paper differently never flip it back and forth. Counts that
    /// change over time (upvotes, comments) take the newer value when it has
    /// one. Missing fields are filled from whichever report has them;
    /// categories and sources are unions. The first-seen time and the
    /// publication date keep the earliest value, the version the highest.
    public func merged(with newer: Paper) -> Paper {
        var result = self
        let newerIsAuthoritative = (newer.version ?? 0) > (version ?? 0)
        result.version = [version, newer.version].compactMap { $0 }.max()
        if !newer.title.isEmpty && (newerIsAuthoritative || title.isEmpty) { result.title = newer.title }
        if !newer.abstract.isEmpty && (newerIsAuthoritative || abstract.isEmpty) { result.abstract = newer.abstract }
        if !newer.authors.isEmpty && (newerIsAuthoritative || authors.isEmpty) { result.authors = newer.authors }
        if newerIsAuthoritative {
            result.categories = newer.categories + categories.filter { !newer.categories.contains($0) }
        } else {
            result.categories = categories + newer.categories.filter { !categories.contains($0) }
        }
        result.publishedAt = [publishedAt, newer.publishedAt].compactMap { $0 }.min()
        result.firstSeenAt = min(firstSeenAt, newer.firstSeenAt)
        if let upvotes = newer.upvotes { result.upvotes = upvotes }
        if let comments = newer.comments { result.comments = comments }
        result.links = PaperLinks(
            abstract: newer.links.abstract ?? links.abstract,
            pdf: newer.links.pdf ?? links.pdf,
            code: newer.links.code ?? links.code,
            projectPage: newer.links.projectPage ?? links.projectPage
        )
        if let summary = newer.aiSummary, !summary.isEmpty { result.aiSummary = summary }
        if !newer.aiKeywords.isEmpty { result.aiKeywords = newer.aiKeywords }
        result.sources = sources + newer.sources.filter { !sources.contains($0) }
        return result
    }
}
