/// For each word, the papers it occurs in; and the words in byte order, for prefix look-ups.
struct Postings: Sendable {
    private let papersByWord: [String: [Int32]]
    /// Every word, sorted by UTF-8 bytes, so the words with a prefix are one run.
    private let sortedWords: [String]
    let paperCount: Int

    /// `wordsOfPaper[i]` are the words of paper i (repeats allowed).
    init(paperCount: Int, wordsOfPaper: [[String]]) {
        var papersByWord: [String: [Int32]] = [:]
        for (paper, words) in wordsOfPaper.enumerated() {
            for word in words {
                // Papers are visited in order, so each list stays sorted and unique
                // (one look-up per word: the list is changed in place).
                Self.add(Int32(paper), to: &papersByWord[word, default: []])
            }
        }
        self.papersByWord = papersByWord
        self.sortedWords = papersByWord.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        self.paperCount = paperCount
    }

    /// Appends `paper` unless it is already the list's last.
    private static func add(_ paper: Int32, to list: inout [Int32]) {
        if list.last != paper { list.append(paper) }
    }

    /// The papers containing exactly `word`.
    func papers(with word: String) -> PaperSet {
        PaperSet(count: paperCount, members: papersByWord[word] ?? [])
    }

    /// The papers containing a word that starts with `prefix`.
    func papers(withPrefix prefix: String) -> PaperSet {
        var result = PaperSet(count: paperCount)
        var low = 0
        var high = sortedWords.count
        while low < high {
            let middle = (low + high) / 2
            if sortedWords[middle].utf8.lexicographicallyPrecedes(prefix.utf8) { low = middle + 1 } else { high = middle }
        }
        var k = low
        while k < sortedWords.count, sortedWords[k].utf8.starts(with: prefix.utf8) {
            for paper in papersByWord[sortedWords[k]] ?? [] { result.insert(Int(paper)) }
            k += 1
        }
        return result
    }

    func papers(with word: String, prefix: Bool) -> PaperSet {
        prefix ? papers(withPrefix: word) : papers(with: word)
    }
}

extension String {
    /// True when this word starts with `prefix`, compared byte by byte as `Postings` does.
    func startsWithWord(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}
