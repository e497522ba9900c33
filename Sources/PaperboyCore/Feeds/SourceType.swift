/// The feed formats Paperboy reads.
public enum SourceType: String, CaseIterable, Sendable, Codable {
    /// Hugging Face daily papers JSON (`/api/daily_papers`).
    case huggingface
    /// arXiv Atom (API or rss.arxiv.org/atom) or RSS (rss.arxiv.org/rss), auto-detected.
    case arxiv
    /// A JSON array or JSON Lines file of papers.
    case json

    /// Parses one fetched body of this type.
    public func parse(_ body: [UInt8], context: FeedContext) throws(FeedError) -> FeedParseResult {
        switch self {
        case .huggingface: return try HuggingFaceParser.parse(body, context: context)
        case .arxiv: return try ArxivFeedParser.parse(body, context: context)
        case .json: return try JSONPapersParser.parse(body, context: context)
        }
    }
}
