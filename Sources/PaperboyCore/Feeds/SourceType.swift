/// The kinds of feed Paperboy reads.
public enum SourceType: String, CaseIterable, Sendable, Codable {
    /// Hugging Face daily papers JSON (`/api/daily_papers`).
    case huggingface
    /// arXiv Atom (API or rss.arxiv.org/atom) or RSS (rss.arxiv.org/rss), auto-detected.
    case arxiv
    /// A JSON array or JSON Lines file of papers.
    case json

    /// What a body of this type is, for messages.
    public var expected: String {
        switch self {
        case .huggingface: "Hugging Face daily papers JSON (a list of objects with `paper`)"
        case .arxiv: "an arXiv Atom or RSS feed (XML with <feed> or <rss>)"
        case .json: "a JSON array of papers or JSON Lines (objects with `title` and `summary`)"
        }
    }

    /// Whether a body of this shape can be this type (the parser then says what is wrong inside).
    func accepts(_ shape: BodyShape) -> Bool {
        switch (self, shape) {
        case (.huggingface, .jsonArray), (.arxiv, .xml), (.json, .jsonArray), (.json, .jsonObject): true
        default: false
        }
    }

    /// Parses one fetched body of this type. A body of another kind (an HTML
    /// page, XML for a JSON type …) is refused naming what was expected and
    /// what came.
    public func parse(_ body: [UInt8], context: FeedContext) throws(FeedError) -> FeedParseResult {
        let shape = BodyShape.sniff(body)
        if shape == .jsonArray || shape == .jsonObject {
            // A nesting bomb is named as one, whatever the type expected.
            try JSONDepth.check(body)
        }
        guard accepts(shape) else {
            throw FeedError(code: .unexpectedShape, message: "expected \(expected), got \(shape.described(body))", hint: hint(for: shape))
        }
        switch self {
        case .huggingface: return try HuggingFaceParser.parse(body, context: context)
        case .arxiv: return try ArxivFeedParser.parse(body, context: context)
        case .json: return try JSONPapersParser.parse(body, context: context)
        }
    }

    private func hint(for shape: BodyShape) -> String {
        if let other = Self.allCases.first(where: { $0 != self && $0.accepts(shape) }) {
            return "It looks like a source of type \(other.rawValue): check the source's type and url"
        }
        switch shape {
        case .html: return "The url returns a web page (an error or login page?), not the feed: check the source's url"
        case .empty: return "The server sent nothing: check the source's url"
        default: return "Check the source's url and type"
        }
    }
}
