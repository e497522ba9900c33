/// FTS5 MATCH expressions (what `Store.fullTextMatches` takes) as
/// PostgreSQL tsquery text, for `to_tsquery('paperboy_english', ?)` over the
/// generated `paper.search` column.
///
/// The translation is pure and the result is bound as one argument: every
/// term and phrase of the expression becomes a quoted lexeme (`'distill':*`),
/// so no text of the expression can be read as a tsquery operator, and none
/// reaches the SQL text. The configuration's parser and stemmer run on the
/// quoted text as they ran on the papers.
///
/// FTS5 -> tsquery:
/// - `a b`, `a AND b` -> `'a' & 'b'`; `a OR b` -> `'a' | 'b'`; `a NOT b` -> `'a' & !'b'`
///   (FTS5's precedence: NOT binds tightest, then AND, then OR).
/// - `distill*` -> `'distill':*`; `"knowledge distillation"` -> `'knowledge distillation'`
///   (a phrase: `<->` between its words); `a + b` -> `'a' <-> 'b'`.
/// - Column filters become weights: the title is weighted A, abstract and
///   authors both D, so `title:x` -> `'x':A` and `authors:x` -> `'x':D`
///   (which also finds x in the abstract: PostgreSQL's column cannot tell them apart).
/// - `NEAR(a b, n)` -> `'a' & 'b'` (anywhere, not within n words); `^a` -> `'a'`.
///
/// What FTS5 refuses (an operator without operand, an unbalanced
/// parenthesis or quote, a character outside a bareword, an unknown
/// column) is refused here with FTS5's own words.
enum PostgresTextSearch {
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The tsquery text for `expression`.
    static func tsquery(fromFTS5 expression: String) throws(SyntaxError) -> String {
        var parser = Parser(tokens: try tokenize(expression))
        let node = try parser.parseOr(columns: nil)
        if let extra = parser.peek {
            throw SyntaxError(message: "fts5: syntax error near \"\(extra.text)\"")
        }
        return node
    }

    /// The weight of each column of `paper_fts` in `paper.search`.
    static let columnWeights: [String: Character] = ["title": "A", "abstract": "D", "authors": "D"]

    /// `text` as one quoted tsquery lexeme: `'` doubled, `\` escaped.
    static func quoted(_ text: String) -> String {
        var out = "'"
        for character in text {
            switch character {
            case "'": out += "''"
            case "\\": out += "\\\\"
            default: out.append(character)
            }
        }
        return out + "'"
    }

    // MARK: Tokens

    enum Token: Equatable {
        case word(String)          // a bareword (or AND / OR / NOT / NEAR, told apart by the parser)
        case string(String)        // "a quoted phrase", quotes undone
        case open, close, star, colon, plus, minus, caret, comma, openBrace, closeBrace

        var text: String {
            switch self {
            case .word(let word): return word
            case .string(let text): return "\"\(text)\""
            case .open: return "("
            case .close: return ")"
            case .star: return "*"
            case .colon: return ":"
            case .plus: return "+"
            case .minus: return "-"
            case .caret: return "^"
            case .comma: return ","
            case .openBrace: return "{"
            case .closeBrace: return "}"
            }
        }
    }

    /// FTS5's barewords: ASCII letters and digits, `_`, the substitute
    /// character, and anything past ASCII.
    static func isBareword(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 127 || scalar.value == 26 || scalar == "_"
            || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    static func tokenize(_ expression: String) throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(expression.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}":
                index += 1
            case "\"":
                var text = String.UnicodeScalarView()
                index += 1
                var closed = false
                while index < scalars.count {
                    if scalars[index] == "\"" {
                        if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                            text.append("\"")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    text.append(scalars[index])
                    index += 1
                }
                guard closed else { throw SyntaxError(message: "unterminated string") }
                tokens.append(.string(String(text)))
            case "(": tokens.append(.open); index += 1
            case ")": tokens.append(.close); index += 1
            case "*": tokens.append(.star); index += 1
            case ":": tokens.append(.colon); index += 1
            case "+": tokens.append(.plus); index += 1
            case "-": tokens.append(.minus); index += 1
            case "^": tokens.append(.caret); index += 1
            case ",": tokens.append(.comma); index += 1
            case "{": tokens.append(.openBrace); index += 1
            case "}": tokens.append(.closeBrace); index += 1
            default:
                guard isBareword(scalar) else { throw SyntaxError(message: "fts5: syntax error near \"\(Character(scalar))\"") }
                var word = String.UnicodeScalarView()
                while index < scalars.count, isBareword(scalars[index]) {
                    word.append(scalars[index])
                    index += 1
                }
                tokens.append(.word(String(word)))
            }
        }
        return tokens
    }

    // MARK: Parser

    struct Parser {
        var tokens: [Token]
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func next() -> Token? {
            defer { position += 1 }
            return peek
        }

        func error() -> SyntaxError {
            SyntaxError(message: "fts5: syntax error near \"\(peek?.text ?? "")\"")
        }

        func isKeyword(_ keyword: String) -> Bool { peek == .word(keyword) }

        /// or := and ("OR" and)*
        mutating func parseOr(columns: String?) throws(SyntaxError) -> String {
            var parts = [try parseAnd(columns: columns)]
            while isKeyword("OR") {
                position += 1
                parts.append(try parseAnd(columns: columns))
            }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " | ") + ")"
        }

        /// and := not (["AND"] not)*
        mutating func parseAnd(columns: String?) throws(SyntaxError) -> String {
            var parts = [try parseNot(columns: columns)]
            while let token = peek, token != .close, !isKeyword("OR") {
                if isKeyword("AND") { position += 1 }
                parts.append(try parseNot(columns: columns))
            }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " & ") + ")"
        }

        /// not := primary ("NOT" primary)*
        mutating func parseNot(columns: String?) throws(SyntaxError) -> String {
            var result = try parsePrimary(columns: columns)
            while isKeyword("NOT") {
                position += 1
                result = "(" + result + " & !" + (try parsePrimary(columns: columns)) + ")"
            }
            return result
        }

        /// primary := [colspec ":"] ( "(" or ")" | NEAR(...) | phrase ("+" phrase)* )
        mutating func parsePrimary(columns: String?) throws(SyntaxError) -> String {
            var columns = columns
            if let weights = try parseColumnFilter() {
                // A filter inside a filter narrows it.
                columns = columns.map { outer in String(weights.filter { outer.contains($0) }) } ?? weights
                guard columns != "" else { throw SyntaxError(message: "fts5: no column left to search near \"\(peek?.text ?? "")\"") }
            }
            switch peek {
            case .open?:
                position += 1
                let inner = try parseOr(columns: columns)
                guard next() == .close else { position -= 1; throw error() }
                return inner
            case .word("NEAR")? where position + 1 < tokens.count && tokens[position + 1] == .open:
                position += 2
                var parts: [String] = []
                while let token = peek, token != .close, token != .comma {
                    parts.append(try parsePhrase(columns: columns))
                }
                if peek == .comma {
                    position += 1
                    guard case .word(let distance)? = next(), Int(distance) != nil else { position -= 1; throw error() }
                }
                guard !parts.isEmpty, next() == .close else { position -= 1; throw error() }
                return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " & ") + ")"
            default:
                var parts = [try parsePhrase(columns: columns)]
                while peek == .plus {
                    position += 1
                    parts.append(try parsePhrase(columns: columns))
                }
                return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " <-> ") + ")"
            }
        }

        /// phrase := ["^"] (bareword | string) ["*"], as one quoted lexeme.
        mutating func parsePhrase(columns: String?) throws(SyntaxError) -> String {
            if peek == .caret { position += 1 }
            let text: String
            switch peek {
            case .word(let word)? where !["AND", "OR", "NOT"].contains(word):
                text = word
            case .string(let string)?:
                text = string
            default:
                throw error()
            }
            position += 1
            var suffix = ""
            if peek == .star {
                position += 1
                suffix = ":*"
            }
            if let columns {
                suffix += suffix.isEmpty ? ":" + columns : columns
            }
            return PostgresTextSearch.quoted(text) + suffix
        }

        /// `title :`, `{title abstract} :`, `- title :` or `-{...} :` as the
        /// weights they allow ("AD"), or nil when no filter comes next.
        mutating func parseColumnFilter() throws(SyntaxError) -> String? {
            let start = position
            var exclude = false
            if peek == .minus {
                exclude = true
                position += 1
            }
            var names: [String] = []
            switch peek {
            case .word(let name)? where position + 1 < tokens.count && tokens[position + 1] == .colon:
                names = [name]
                position += 1
            case .openBrace?:
                position += 1
                while case .word(let name)? = peek {
                    names.append(name)
                    position += 1
                }
                guard peek == .closeBrace else { throw error() }
                position += 1
            default:
                guard !exclude else { throw error() }
                position = start
                return nil
            }
            guard peek == .colon else { throw error() }
            position += 1
            for name in names where PostgresTextSearch.columnWeights[name.lowercased()] == nil {
                throw SyntaxError(message: "no such column: \(name)")
            }
            let lowered = Set(names.map { $0.lowercased() })
            // Excluded: the weights of the columns left (abstract's D stays while authors' is excluded).
            let weights = PostgresTextSearch.columnWeights.filter { exclude != lowered.contains($0.key) }.values
            return String(Set(weights).sorted())
        }
    }
}
