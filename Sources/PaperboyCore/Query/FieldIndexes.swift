/// Title or abstract: stemmed words for words and phrases, unstemmed words for prefixes.
struct TextFieldIndex: Sendable {
    /// Per paper, the field's words in order, unstemmed and stemmed (same positions).
    private let words: [[String]]
    private let stems: [[String]]
    private let fingerprints: [[UInt64]]
    private let wordPostings: Postings
    private let stemPostings: Postings

    init(_ field: AnalyzedField) {
        words = field.words
        stems = field.stems
        fingerprints = field.fingerprints
        wordPostings = Postings(paperCount: words.count, wordsOfPaper: words)
        stemPostings = Postings(paperCount: words.count, wordsOfPaper: stems)
    }

    /// The papers where the word (stemmed), or with `prefix` a word starting with it, occurs.
    private func papers(word: String, stem: String, prefix: Bool) -> PaperSet {
        prefix ? wordPostings.papers(withPrefix: word) : stemPostings.papers(with: stem)
    }

    func papers(matching term: QueryTerm) -> PaperSet {
        let queryStems = term.words.map(PorterStemmer.stem)
        let last = term.words.count - 1
        if last == 0 {
            return papers(word: term.words[0], stem: queryStems[0], prefix: term.isPrefix)
        }
        var candidates = papers(word: term.words[0], stem: queryStems[0], prefix: false)
        for k in 1...last where !candidates.isEmpty {
            candidates.formIntersection(papers(word: term.words[k], stem: queryStems[k], prefix: term.isPrefix && k == last))
        }
        var result = PaperSet(count: words.count)
        let queryFingerprints = queryStems.map(Fingerprint.of)
        for paper in candidates.indices where containsRun(paper: paper, term: term, queryStems: queryStems, queryFingerprints: queryFingerprints) {
            result.insert(paper)
        }
        if !term.isPhrase {
            // A hyphenated word also matches the words written as one: crosslingual.
            let joined = term.words.joined()
            result.formUnion(papers(word: joined, stem: PorterStemmer.stem(joined), prefix: term.isPrefix))
        }
        return result
    }

    /// True when the term's words (two or more) occur in a row in the
    /// paper's field. A tight scan for the first stem's fingerprint; the
    /// rest is checked only where it occurs.
    private func containsRun(paper: Int, term: QueryTerm, queryStems: [String], queryFingerprints: [UInt64]) -> Bool {
        let paperWords = words[paper]
        let paperStems = stems[paper]
        let n = queryStems.count
        guard paperStems.count >= n, n >= 2 else { return false }
        let last = n - 1
        let first = queryFingerprints[0]
        return fingerprints[paper].withUnsafeBufferPointer { paperFingerprints in
            for start in 0...(paperFingerprints.count - n) where paperFingerprints[start] == first && paperStems[start] == queryStems[0] {
                // Only the last word can be a prefix.
                let rest = (1..<n).allSatisfy { k in
                    term.isPrefix && k == last
                        ? paperWords[start + k].startsWithWord(term.words[k])
                        : paperFingerprints[start + k] == queryFingerprints[k] && paperStems[start + k] == queryStems[k]
                }
                if rest { return true }
            }
            return false
        }
    }
}

/// Authors: unstemmed words of each author's name.
struct AuthorIndex: Sendable {
    /// Per paper, per author, the words of the name.
    private let names: [[[String]]]
    private let postings: Postings

    init(authors: [[String]]) {
        names = authors.map { $0.map(TextAnalyzer.words) }
        postings = Postings(paperCount: authors.count, wordsOfPaper: names.map { $0.flatMap { $0 } })
    }

    func papers(matching term: QueryTerm) -> PaperSet {
        let last = term.words.count - 1
        if last == 0 {
            return postings.papers(with: term.words[0], prefix: term.isPrefix)
        }
        var candidates = postings.papers(with: term.words[0])
        for k in 1...last where !candidates.isEmpty {
            candidates.formIntersection(postings.papers(with: term.words[k], prefix: term.isPrefix && k == last))
        }
        var result = PaperSet(count: names.count)
        for paper in candidates.indices where names[paper].contains(where: { inOrder(term, in: $0) }) {
            result.insert(paper)
        }
        if !term.isPhrase {
            result.formUnion(postings.papers(with: term.words.joined(), prefix: term.isPrefix))
        }
        return result
    }

    /// True when the term's words occur in this name in order, other words
    /// (middle names, initials) allowed between them: "geoffrey hinton"
    /// matches "Geoffrey E. Hinton".
    private func inOrder(_ term: QueryTerm, in name: [String]) -> Bool {
        let last = term.words.count - 1
        var k = 0
        for word in name where k <= last {
            let fits = term.isPrefix && k == last ? word.startsWithWord(term.words[k]) : word == term.words[k]
            if fits { k += 1 }
        }
        return k > last
    }
}

/// Categories: `cs.LG` is the words ["cs", "lg"]; a term matches the categories its words begin.
struct CategoryIndex: Sendable {
    private let categories: [(words: [String], papers: [Int32])]
    private let paperCount: Int

    init(categories: [[String]]) {
        var papersByCategory: [[String]: [Int32]] = [:]
        for (paper, names) in categories.enumerated() {
            for name in names {
                let words = TextAnalyzer.words(name)
                if !words.isEmpty, papersByCategory[words]?.last != Int32(paper) {
                    papersByCategory[words, default: []].append(Int32(paper))
                }
            }
        }
        self.categories = papersByCategory.map { ($0.key, $0.value) }
        paperCount = categories.count
    }

    /// `category:cs.LG` matches cs.LG only, `category:cs` (or `cs.*`) every cs.* category.
    func papers(matching term: QueryTerm) -> PaperSet {
        var result = PaperSet(count: paperCount)
        let last = term.words.count - 1
        for category in categories where category.words.count > last {
            let fits = (0...last).allSatisfy { k in
                term.isPrefix && k == last
                    ? category.words[k].startsWithWord(term.words[k])
                    : category.words[k] == term.words[k]
            }
            if fits {
                for paper in category.papers { result.insert(Int(paper)) }
            }
        }
        return result
    }
}

/// Porter stems of the words seen so far, so each distinct word is stemmed once.
struct StemCache {
    private var stems: [String: String] = [:]

    mutating func stem(_ word: String) -> String {
        if let stem = stems[word] { return stem }
        let stem = PorterStemmer.stem(word)
        stems[word] = stem
        return stem
    }
}
