import Foundation

/// An in-memory inverted index over a batch of papers, built once and queried
/// many times (every subscriber's query against the day's papers).
///
/// Evaluation is set-based: each term becomes a bitset of papers, computed
/// once per distinct term and cached, and AND, OR and NOT are bitset
/// operations. Safe to use from several threads at once.
public final class PaperIndex: @unchecked Sendable {
    public let papers: [Paper]
    private let title: TextFieldIndex
    private let abstract: TextFieldIndex
    private let authors: AuthorIndex
    private let categories: CategoryIndex

    private let lock = NSLock()
    /// Guarded by `lock`.
    private var cache: [TermKey: PaperSet] = [:]

    public convenience init(papers: [Paper]) {
        self.init(papers: papers, analyzed: AnalyzedFields(papers: papers))
    }

    /// An index over `papers`, whose titles and abstracts `analyzed` holds.
    init(papers: [Paper], analyzed: AnalyzedFields) {
        self.papers = papers
        title = TextFieldIndex(analyzed.title)
        abstract = TextFieldIndex(analyzed.abstract)
        authors = AuthorIndex(authors: papers.map(\.authors))
        categories = CategoryIndex(categories: papers.map(\.categories))
    }

    /// Indexes (into `papers`, ascending) of the papers the query matches.
    public func matches(_ query: Query) -> [Int] {
        evaluate(query.root).indices
    }

    /// The papers a query tree matches, as a set (cheap to combine).
    public func matchSet(_ node: QueryNode) -> PaperSet {
        evaluate(node)
    }

    /// The query's positive terms (those not under NOT) that occur in paper
    /// `index`, as the user wrote them, without field prefix or quotes and
    /// each once: `["knowledge distillation", "continual"]`. Empty for an
    /// index outside `papers`.
    public func matchedTerms(_ query: Query, paper index: Int) -> [String] {
        guard papers.indices.contains(index) else { return [] }
        return Self.matchedTerms(termMatches(query), paper: index)
    }

    /// The query's positive terms as written, in order, each with the
    /// papers it matches: worked out once for the terms of many papers.
    func termMatches(_ query: Query) -> [(written: String, papers: PaperSet)] {
        var terms: [(QueryTerm, positive: Bool)] = []
        collectTerms(query.root, positive: true, into: &terms)
        return terms.enumerated().compactMap { k, entry in
            entry.positive && k < query.writtenTerms.count ? (query.writtenTerms[k], papers(matching: entry.0)) : nil
        }
    }

    /// What `matchedTerms(_:paper:)` says of paper `index`, from `termMatches(_:)`.
    static func matchedTerms(_ termMatches: [(written: String, papers: PaperSet)], paper index: Int) -> [String] {
        var result: [String] = []
        for (written, papers) in termMatches where !result.contains(written) && papers.contains(index) {
            result.append(written)
        }
        return result
    }

    private func collectTerms(_ node: QueryNode, positive: Bool, into terms: inout [(QueryTerm, positive: Bool)]) {
        switch node {
        case .term(let term): terms.append((term, positive))
        case .and(let items), .or(let items): for item in items { collectTerms(item, positive: positive, into: &terms) }
        case .not(let inner): collectTerms(inner, positive: !positive, into: &terms)
        }
    }

    private func evaluate(_ node: QueryNode) -> PaperSet {
        switch node {
        case .term(let term):
            return papers(matching: term)
        case .and(let items):
            var result = PaperSet.all(count: papers.count)
            for item in items {
                if case .not(let inner) = item { result.subtract(evaluate(inner)) } else { result.formIntersection(evaluate(item)) }
                if result.isEmpty { break }
            }
            return result
        case .or(let items):
            var result = PaperSet(count: papers.count)
            for item in items { result.formUnion(evaluate(item)) }
            return result
        case .not(let inner):
            return evaluate(inner).complement()
        }
    }

    /// The papers one term matches, from the cache when it was seen before.
    private func papers(matching term: QueryTerm) -> PaperSet {
        let key = TermKey(term)
        lock.lock()
        let cached = cache[key]
        lock.unlock()
        if let cached { return cached }
        let result = computePapers(matching: term)
        lock.lock()
        cache[key] = result
        lock.unlock()
        return result
    }

    private func computePapers(matching term: QueryTerm) -> PaperSet {
        guard !term.words.isEmpty else { return PaperSet(count: papers.count) }
        switch term.field {
        case nil:
            var result = title.papers(matching: term)
            result.formUnion(abstract.papers(matching: term))
            return result
        case .title: return title.papers(matching: term)
        case .abstract: return abstract.papers(matching: term)
        case .author: return authors.papers(matching: term)
        case .category: return categories.papers(matching: term)
        }
    }
}

/// A term as a cache key.
private struct TermKey: Hashable {
    var field: QueryField?
    var words: [String]
    var isPhrase: Bool
    var isPrefix: Bool

    init(_ term: QueryTerm) {
        field = term.field
        words = term.words
        isPhrase = term.isPhrase
        isPrefix = term.isPrefix
    }
}
