/// Recursive descent over the tokens: OR binds loosest, then AND (written or
/// implied between terms), then NOT and `-`.
///
///     query   := or
///     or      := and ("OR" and)*
///     and     := unary ("AND"? unary)*
///     unary   := ("NOT" | "-") unary | primary
///     primary := "(" or ")" | term
struct QueryParser {
    /// Deeper nesting of parentheses and NOTs is refused, so that neither
    /// parsing nor matching can run out of stack.
    static let maximumDepth = 100

    private let tokens: [QueryToken]
    private var position = 0
    private var depth = 0
    /// The text the user wrote for each term, in the order of the terms.
    private(set) var writtenTerms: [String] = []

    init(tokens: [QueryToken]) { self.tokens = tokens }

    mutating func parse() throws(QueryError) -> QueryNode {
        try Self.checkParentheses(tokens)
        let node = try parseOr()
        if let extra = peek {
            // Balanced parentheses leave nothing unparsed; kept as a safety net.
            throw QueryError(message: "unexpected \(Self.name(extra.kind))", column: extra.column)
        }
        return node
    }

    /// Reports the first stray `)`, else the innermost `(` left open.
    static func checkParentheses(_ tokens: [QueryToken]) throws(QueryError) {
        var open: [Int] = []
        for token in tokens {
            if token.kind == .open {
                open.append(token.column)
            } else if token.kind == .close {
                guard open.popLast() != nil else {
                    throw QueryError(message: "unbalanced parenthesis", column: token.column)
                }
            }
        }
        if let unclosed = open.last {
            throw QueryError(message: "unbalanced parenthesis", column: unclosed)
        }
    }

    private var peek: QueryToken? { position < tokens.count ? tokens[position] : nil }

    private var peekStartsOperand: Bool {
        switch peek?.kind {
        case .term, .not, .minus, .open: return true
        default: return false
        }
    }

    private mutating func next() -> QueryToken {
        defer { position += 1 }
        return tokens[position]
    }

    private static func name(_ kind: QueryToken.Kind) -> String {
        switch kind {
        case .and: return "AND"
        case .or: return "OR"
        case .not: return "NOT"
        case .minus: return "'-'"
        case .open: return "'('"
        case .close: return "')'"
        case .term(_, let written): return "'\(written)'"
        }
    }

    /// Throws when the next token cannot start an operand (the caller is at
    /// the start of an OR or AND chain).
    private func requireOperandStart() throws(QueryError) {
        guard let token = peek else {
            throw QueryError(message: "the query is empty", column: 1)
        }
        switch token.kind {
        case .and, .or:
            throw QueryError(message: "\(Self.name(token.kind)) needs a term before it", column: token.column)
        case .close:
            throw QueryError(message: "')' has no term before it", column: token.column)
        default:
            return
        }
    }

    private mutating func parseOr() throws(QueryError) -> QueryNode {
        try requireOperandStart()
        var items = [try parseAnd()]
        while let token = peek, token.kind == .or {
            position += 1
            guard peekStartsOperand else {
                throw QueryError(message: "OR needs a term after it", column: token.column)
            }
            items.append(try parseAnd())
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    private mutating func parseAnd() throws(QueryError) -> QueryNode {
        try requireOperandStart()
        var items = [try parseUnary()]
        while let token = peek {
            if token.kind == .and {
                position += 1
                guard peekStartsOperand else {
                    throw QueryError(message: "AND needs a term after it", column: token.column)
                }
            } else if !peekStartsOperand {
                break
            }
            items.append(try parseUnary())
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func parseUnary() throws(QueryError) -> QueryNode {
        let token = next()
        switch token.kind {
        case .not, .minus:
            guard peekStartsOperand else {
                let what = token.kind == .not ? "NOT needs a term after it" : "'-' needs a term right after it, as in -diffusion"
                throw QueryError(message: what, column: token.column)
            }
            try enter(token)
            defer { depth -= 1 }
            return .not(try parseUnary())
        case .open:
            if let close = peek, close.kind == .close {
                throw QueryError(message: "empty parentheses: put a term between them", column: token.column)
            }
            try enter(token)
            defer { depth -= 1 }
            let inner = try parseOr()
            guard let close = peek, close.kind == .close else {
                throw QueryError(message: "unbalanced parenthesis", column: token.column)
            }
            position += 1
            return inner
        case .term(let term, let written):
            writtenTerms.append(written)
            return .term(term)
        case .and, .or, .close:
            // Callers check peekStartsOperand first; kept as a safety net.
            throw QueryError(message: "unexpected \(Self.name(token.kind))", column: token.column)
        }
    }

    private mutating func enter(_ token: QueryToken) throws(QueryError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw QueryError(
                message: "the query nests parentheses and NOT more than \(Self.maximumDepth) deep; simplify it",
                column: token.column
            )
        }
    }
}
