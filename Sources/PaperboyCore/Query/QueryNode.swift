/// The fields a query term can be limited to with a prefix such as `title:`.
public enum QueryField: String, Sendable, CaseIterable {
    case title, abstract, author, category
}

/// A parsed query: terms combined with AND, OR and NOT.
public indirect enum QueryNode: Equatable, Sendable {
    case term(QueryTerm)
    case and([QueryNode])
    case or([QueryNode])
    case not(QueryNode)
}

/// One word, hyphenated word or phrase of a query, with its field.
///
/// A term of several words that is not a phrase comes from one word joined
/// by punctuation (`cross-lingual`): it matches the words in a row, like a
/// phrase, and also the words written as one (`crosslingual`).
public struct QueryTerm: Equatable, Sendable {
    /// The field the term is limited to; nil for the default fields (title and abstract).
    public var field: QueryField?
    /// `TextAnalyzer.words` of the term or phrase (unstemmed).
    public var words: [String]
    /// Written in double quotes: the words must appear in a row, in order, within one field.
    public var isPhrase: Bool
    /// Written with a trailing `*`: the last word is a prefix of an (unstemmed) word.
    public var isPrefix: Bool

    public init(field: QueryField? = nil, words: [String], isPhrase: Bool = false, isPrefix: Bool = false) {
        self.field = field
        self.words = words
        self.isPhrase = isPhrase
        self.isPrefix = isPrefix
    }
}
