/// A subscriber query that cannot be parsed: what is wrong, and where.
public struct QueryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and, where it helps, what to write instead
    /// ("unbalanced parenthesis", "OR needs a term after it").
    public var message: String
    /// 1-based column in the query text, counted in Characters.
    public var column: Int

    public init(message: String, column: Int) {
        self.message = message
        self.column = column
    }

    /// `"unbalanced parenthesis at column 14"`.
    public var description: String {
        "\(message) at column \(column)"
    }
}
