/// One token of a query, with the 1-based column where it starts.
struct QueryToken: Equatable {
    enum Kind: Equatable {
        /// A word, hyphenated word or phrase, with the text the user wrote
        /// for it (without field prefix or quotes) for `matchedTerms`.
        case term(QueryTerm, written: String)
        case and, or, not
        /// A leading `-`, as in `-diffusion`.
        case minus
        case open, close
    }

    var kind: Kind
    var column: Int
}

/// Splits query text into tokens; reports bad words, phrases and fields.
struct QueryLexer {
    private let chars: [Character]
    private var i = 0
    private var tokens: [QueryToken] = []

    init(_ text: String) { chars = Array(text) }

    static func tokens(_ text: String) throws(QueryError) -> [QueryToken] {
        var lexer = QueryLexer(text)
        try lexer.run()
        return lexer.tokens
    }

    private mutating func run() throws(QueryError) {
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "(" {
                tokens.append(QueryToken(kind: .open, column: i + 1))
                i += 1
            } else if c == ")" {
                tokens.append(QueryToken(kind: .close, column: i + 1))
                i += 1
            } else if Self.isQuote(c) {
                try phrase(field: nil)
            } else if c == "-" {
                let next = i + 1 < chars.count ? chars[i + 1] : nil
                guard let next, !next.isWhitespace, next != ")" else {
                    throw QueryError(message: "a lone '-': write it right before the term to leave out, as in adapter -diffusion", column: i + 1)
                }
                tokens.append(QueryToken(kind: .minus, column: i + 1))
                i += 1
            } else {
                try chunk()
            }
        }
    }

    private func endsChunk(_ c: Character) -> Bool {
        c.isWhitespace || c == "(" || c == ")" || Self.isQuote(c)
    }

    /// The straight double quote, and the typographic ones text editors put in its place.
    static func isQuote(_ c: Character) -> Bool {
        c == "\"" || c == "\u{201C}" || c == "\u{201D}" || c == "\u{201E}"
    }

    /// A run of characters up to white space, a parenthesis or a quote:
    /// an operator, a `field:` prefix and its value, or a word.
    private mutating func chunk() throws(QueryError) {
        let start = i
        var end = i
        while end < chars.count && !endsChunk(chars[end]) { end += 1 }
        let text = String(chars[start..<end])
        switch text {
        case "AND": tokens.append(QueryToken(kind: .and, column: start + 1)); i = end; return
        case "OR": tokens.append(QueryToken(kind: .or, column: start + 1)); i = end; return
        case "NOT": tokens.append(QueryToken(kind: .not, column: start + 1)); i = end; return
        default: break
        }
        var colon = start
        while colon < end && chars[colon].isASCII && chars[colon].isLetter { colon += 1 }
        guard colon > start, colon < end, chars[colon] == ":" else {
            try word(start..<end, field: nil)
            return
        }
        let name = String(chars[start..<colon])
        guard let field = QueryField(rawValue: name.lowercased()) else {
            throw QueryError(
                message: "unknown field '\(name):'; the fields are title:, abstract:, author: and category: (put other text with a colon in quotes, as in \"\(text)\")",
                column: start + 1
            )
        }
        if colon + 1 < end {
            try word((colon + 1)..<end, field: field)
        } else if end < chars.count && Self.isQuote(chars[end]) {
            i = end
            try phrase(field: field)
        } else if end < chars.count && chars[end] == "(" {
            throw QueryError(
                message: "'\(name):' applies to one word or \"phrase\", not to parentheses; write each term with it, as in \(field.rawValue):a OR \(field.rawValue):b",
                column: start + 1
            )
        } else {
            throw QueryError(
                message: "'\(name):' needs a word or a \"phrase\" right after it, as in \(field.rawValue):\(field == .category ? "cs.LG" : field == .author ? "hinton" : "distillation")",
                column: start + 1
            )
        }
    }

    /// A word (or words joined by punctuation) with an optional trailing `*`.
    private mutating func word(_ range: Range<Int>, field: QueryField?) throws(QueryError) {
        i = range.upperBound
        var body = range
        let isPrefix = chars[range.upperBound - 1] == "*"
        if isPrefix { body = range.lowerBound..<(range.upperBound - 1) }
        if let star = body.first(where: { chars[$0] == "*" }) {
            throw QueryError(message: "'*' goes only at the end of a word, for words starting with it, as in distill*", column: star + 1)
        }
        let written = String(chars[range])
        let words = TextAnalyzer.words(String(chars[body]))
        if words.isEmpty {
            if body.isEmpty {
                throw QueryError(message: "a lone '*': write it right after the start of a word, as in distill*", column: range.lowerBound + 1)
            }
            throw QueryError(
                message: "'\(written)' has no letters or digits to search for; the operators are AND, OR and NOT, in capitals",
                column: range.lowerBound + 1
            )
        }
        let term = QueryTerm(field: field, words: words, isPhrase: false, isPrefix: isPrefix)
        tokens.append(QueryToken(kind: .term(term, written: written), column: range.lowerBound + 1))
    }

    /// `"words in a row"`, optionally followed by `*`; `i` is at the opening quote.
    private mutating func phrase(field: QueryField?) throws(QueryError) {
        let open = i
        guard let close = chars[(open + 1)...].firstIndex(where: Self.isQuote) else {
            throw QueryError(message: "unterminated phrase: close it with a second \"", column: open + 1)
        }
        let inner = TextNormalizer.collapsed(String(chars[(open + 1)..<close]))
        let words = TextAnalyzer.words(inner)
        guard !words.isEmpty else {
            throw QueryError(message: "empty phrase: put words between the quotes, as in \"knowledge distillation\"", column: open + 1)
        }
        i = close + 1
        var isPrefix = inner.hasSuffix("*")
        if i < chars.count && chars[i] == "*" {
            isPrefix = true
            i += 1
        }
        let written = inner.hasSuffix("*") || !isPrefix ? inner : inner + "*"
        let term = QueryTerm(field: field, words: words, isPhrase: true, isPrefix: isPrefix)
        let column = field == nil ? open + 1 : tokenStart(beforeFieldAt: open)
        tokens.append(QueryToken(kind: .term(term, written: written), column: column))
    }

    /// The column of the `field:` prefix that ends right before `quote`.
    private func tokenStart(beforeFieldAt quote: Int) -> Int {
        var start = quote - 1  // the colon
        while start > 0 && chars[start - 1].isASCII && chars[start - 1].isLetter { start -= 1 }
        return start + 1
    }
}
