/// A subscriber's query, parsed: what they wrote and the tree it means.
///
/// See docs/query-language.md. Matching is done by `PaperIndex`.
public struct Query: Equatable, Sendable, CustomStringConvertible {
    /// The original text.
    public let text: String
    public let root: QueryNode
    /// The text the user wrote for each term (without field prefix and
    /// quotes), in the order the terms appear in `root`.
    let writtenTerms: [String]

    /// Parses `text`, or throws a `QueryError` naming the problem and its column.
    public static func parse(_ text: String) throws(QueryError) -> Query {
        if text.allSatisfy(\.isWhitespace) {
            throw QueryError(message: "the query is empty", column: 1)
        }
        let tokens = try QueryLexer.tokens(text)
        var parser = QueryParser(tokens: tokens)
        let root = try parser.parse()
        return Query(text: text, root: root, writtenTerms: parser.writtenTerms)
    }

    /// The original text.
    public var description: String { text }
}
