import Foundation

/// Term statistics of one batch of papers, for ranking: BM25F relevance of
/// query terms over title and abstract (the title weighted higher), and
/// TF-IDF vectors for "more like these".
///
/// Built once per run from the same words and stems as the run's
/// `PaperIndex` (`AnalyzedFields`); each term's scores are computed the
/// first time a query asks for them and cached. Thread-safe.
public final class RelevanceIndex: @unchecked Sendable {
    static let k1 = 1.2
    static let b = 0.75
    /// The idf of a term in half the papers or more: small but positive, so
    /// more occurrences still rank higher (FTS5 uses the same floor).
    static let minimumIDF = 1e-6

    let paperCount: Int
    /// How many distinct stems the batch has (stem ids are 0..<stemCount).
    var stemCount: Int { postings.count }
    /// Stem → dense id.
    private let stemIDs: [String: Int32]
    /// Per stem id: the papers containing it, ascending, with the weighted term frequency.
    private let postings: [[(paper: Int32, weightedTF: Float)]]
    /// Per paper: title weight × title length + abstract length.
    private let weightedLengths: [Float]
    /// How many times one occurrence in the title counts one in the abstract.
    private let titleWeight: Float
    /// The titles and abstracts as words and stems in order: a phrase is
    /// counted where its words occur in a row.
    private let titles: AnalyzedField
    private let abstracts: AnalyzedField
    private let averageLength: Float
    /// Per paper: its TF-IDF vector, L2-normalised, sorted by stem id.
    let vectors: [SparseVector]

    /// The batch's title and abstract words as written (unstemmed), sorted
    /// byte-wise, each with its stem id: a prefix term expands over these.
    private let sortedWords: [(word: String, stem: Int32)]

    private let lock = NSLock()
    /// Guarded by `lock`: BM25 contribution of a stem, per paper containing it.
    private var bm25Cache: [Int32: [(paper: Int32, score: Float)]] = [:]
    /// Guarded by `lock`: the stem id of a query word (nil: not in the batch).
    private var stemIDByWord: [String: Int32?] = [:]
    /// Guarded by `lock`: BM25 contribution of a prefix, per paper containing a word with it.
    private var prefixCache: [String: [(paper: Int32, score: Float)]] = [:]
    /// Guarded by `lock`: BM25 contribution of a term of several words, per paper containing it.
    private var runCache: [RunKey: [(paper: Int32, score: Float)]] = [:]

    /// A term of several words as the run cache knows it: the words as
    /// written (unstemmed) and how they match (see `bm25(run:isPrefix:alsoJoined:)`).
    private struct RunKey: Hashable {
        let words: [String]
        let isPrefix: Bool
        let alsoJoined: Bool
    }

    /// The statistics of the papers whose titles and abstracts `analyzed` holds.
    init(_ analyzed: AnalyzedFields, titleWeight: Double) {
        let titles = analyzed.title.stems
        let abstracts = analyzed.abstract.stems
        paperCount = titles.count
        var ids: [String: Int32] = [:]
        var postings: [[(paper: Int32, weightedTF: Float)]] = []
        var lengths: [Float] = []
        var paperTerms: [[(Int32, Float)]] = []
        lengths.reserveCapacity(paperCount)
        for paper in 0..<paperCount {
            var tf: [Int32: Float] = [:]
            for (stems, weight) in [(titles[paper], Float(titleWeight)), (abstracts[paper], 1)] {
                for stem in stems {
                    let id: Int32
                    if let known = ids[stem] {
                        id = known
                    } else {
                        id = Int32(postings.count)
                        ids[stem] = id
                        postings.append([])
                    }
                    tf[id, default: 0] += weight
                }
            }
            let terms = tf.sorted { $0.key < $1.key }
            for (id, weighted) in terms { postings[Int(id)].append((Int32(paper), weighted)) }
            paperTerms.append(terms.map { ($0.key, $0.value) })
            lengths.append(Float(titleWeight) * Float(titles[paper].count) + Float(abstracts[paper].count))
        }
        stemIDs = ids
        self.titleWeight = Float(titleWeight)
        self.titles = analyzed.title
        self.abstracts = analyzed.abstract
        var wordStems: [String: Int32] = [:]
        for (words, stems) in [(analyzed.title.words, titles), (analyzed.abstract.words, abstracts)] {
            for paper in 0..<min(words.count, stems.count) where words[paper].count == stems[paper].count {
                for (word, stem) in zip(words[paper], stems[paper]) where wordStems[word] == nil {
                    if let id = ids[stem] { wordStems[word] = id }
                }
            }
        }
        sortedWords = wordStems.map { (word: $0.key, stem: $0.value) }
            .sorted { $0.word.utf8.lexicographicallyPrecedes($1.word.utf8) }
        self.postings = postings
        weightedLengths = lengths
        averageLength = lengths.isEmpty ? 1 : max(1, lengths.reduce(0, +) / Float(lengths.count))
        let n = Double(paperCount)
        let idf = postings.map { Float(log(1 + (n - Double($0.count) + 0.5) / (Double($0.count) + 0.5))) }
        vectors = paperTerms.map { terms in
            SparseVector(terms.map { ($0.0, (1 + log($0.1)) * idf[Int($0.0)]) })
        }
    }

    /// The BM25F score of one query stem for every paper containing it.
    func bm25(stem: String) -> [(paper: Int32, score: Float)] {
        guard let id = stemIDs[stem] else { return [] }
        return bm25(id: id)
    }

    /// The BM25F score of one query word (stemmed here; the stem of each
    /// word is worked out once per run, not once per subscriber who asks).
    private func bm25(word: String) -> [(paper: Int32, score: Float)] {
        lock.lock()
        let known = stemIDByWord[word]
        lock.unlock()
        let id: Int32?
        if let known {
            id = known
        } else {
            id = stemIDs[PorterStemmer.stem(word)]
            lock.lock()
            stemIDByWord[word] = .some(id)
            lock.unlock()
        }
        return id.map(bm25(id:)) ?? []
    }

    private func bm25(id: Int32) -> [(paper: Int32, score: Float)] {
        lock.lock()
        if let cached = bm25Cache[id] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let scores = bm25(postings[Int(id)])
        lock.lock()
        bm25Cache[id] = scores
        lock.unlock()
        return scores
    }

    /// BM25F of one term from its postings (the papers containing it, ascending,
    /// with the weighted term frequency): idf from its own document frequency,
    /// term frequency saturated and normalised by the paper's weighted length.
    ///
    /// The idf is Robertson–Spärck Jones' as SQLite FTS5 computes it (not the
    /// `1 +` variant of the TF-IDF vectors): a word in half the papers or
    /// more counts next to nothing, so in an OR a paper is carried by the
    /// rare terms it matches rather than by the common ones.
    private func bm25(_ list: [(paper: Int32, weightedTF: Float)]) -> [(paper: Int32, score: Float)] {
        let n = Double(paperCount)
        let df = Double(list.count)
        let idf = Float(max(Self.minimumIDF, log((n - df + 0.5) / (df + 0.5))))
        let k1 = Float(Self.k1)
        let b = Float(Self.b)
        return list.map { entry -> (paper: Int32, score: Float) in
            let norm = k1 * (1 - b + b * weightedLengths[Int(entry.paper)] / averageLength)
            return (entry.paper, idf * entry.weightedTF * (k1 + 1) / (entry.weightedTF + norm))
        }
    }

    /// The BM25F score of a query term (word, hyphenated word, phrase, with
    /// or without a trailing `*`) over title and abstract, for every paper
    /// containing it. A term of several words is scored as one unit, by its
    /// own occurrences and document frequency, not as the sum of its words.
    func bm25(term: QueryTerm) -> [(paper: Int32, score: Float)] {
        switch term.words.count {
        case 0: return []
        case 1: return term.isPrefix ? bm25(prefix: term.words[0]) : bm25(word: term.words[0])
        default: return bm25(run: term.words, isPrefix: term.isPrefix, alsoJoined: !term.isPhrase)
        }
    }

    /// The BM25F score of words in a row (a phrase, or a hyphenated word)
    /// for every paper where they occur in a row in the title or abstract,
    /// matched as the query index matches them: by stem, the last word with
    /// `isPrefix` as a prefix of the word as written; with `alsoJoined`, the
    /// words written as one (`crosslingual` for `cross-lingual`) count too.
    /// An occurrence in the title counts `titleWeight` times.
    func bm25(run words: [String], isPrefix: Bool, alsoJoined: Bool) -> [(paper: Int32, score: Float)] {
        let key = RunKey(words: words, isPrefix: isPrefix, alsoJoined: alsoJoined)
        lock.lock()
        if let cached = runCache[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let run = RunPattern(words: words, isPrefix: isPrefix, alsoJoined: alsoJoined)
        var list: [(paper: Int32, weightedTF: Float)] = []
        for paper in runCandidates(run) {
            let p = Int(paper)
            let tf = titleWeight * Float(run.occurrences(words: titles.words[p], stems: titles.stems[p], fingerprints: titles.fingerprints[p]))
                + Float(run.occurrences(words: abstracts.words[p], stems: abstracts.stems[p], fingerprints: abstracts.fingerprints[p]))
            if tf > 0 { list.append((paper, tf)) }
        }
        let scores = bm25(list)
        lock.lock()
        runCache[key] = scores
        lock.unlock()
        return scores
    }

    /// The papers that may contain the run, ascending: those with all its
    /// whole words (the stems before a trailing prefix), and with `alsoJoined`
    /// those with the joined word.
    private func runCandidates(_ run: RunPattern) -> [Int32] {
        let wholeStems = run.isPrefix ? run.stems.dropLast() : run.stems[...]
        var lists = wholeStems.map { stemIDs[$0].map { postings[Int($0)] } ?? [] }
        lists.sort { $0.count < $1.count }
        var candidates = lists.first?.map(\.paper) ?? []
        for list in lists.dropFirst() where !candidates.isEmpty {
            candidates = Self.intersection(candidates, list)
        }
        if let joined = run.joined {
            let joinedPapers = run.isPrefix ? bm25(prefix: joined.word).map(\.paper)
                : (stemIDs[joined.stem].map { postings[Int($0)].map(\.paper) } ?? [])
            candidates = Array(Set(candidates).union(joinedPapers)).sorted()
        }
        return candidates
    }

    /// The papers of `papers` (ascending) that are also in `list` (ascending).
    private static func intersection(_ papers: [Int32], _ list: [(paper: Int32, weightedTF: Float)]) -> [Int32] {
        var result: [Int32] = []
        var k = 0
        for paper in papers {
            while k < list.count && list[k].paper < paper { k += 1 }
            if k == list.count { break }
            if list[k].paper == paper { result.append(paper) }
        }
        return result
    }

    /// The BM25F score of a prefix term (`transformer*`) for every paper with
    /// a title or abstract word starting with it, compared as written (not
    /// stemmed), as the query matches it. The prefix scores like the words it
    /// expands to: per paper, the best score among their stems (the best, not
    /// the sum, so a short prefix that expands to many words does not
    /// outweigh a whole word).
    func bm25(prefix: String) -> [(paper: Int32, score: Float)] {
        guard !prefix.isEmpty else { return [] }
        lock.lock()
        if let cached = prefixCache[prefix] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var low = 0
        var high = sortedWords.count
        while low < high {
            let middle = (low + high) / 2
            if sortedWords[middle].word.utf8.lexicographicallyPrecedes(prefix.utf8) { low = middle + 1 } else { high = middle }
        }
        var stems = Set<Int32>()
        var k = low
        while k < sortedWords.count, sortedWords[k].word.utf8.starts(with: prefix.utf8) {
            stems.insert(sortedWords[k].stem)
            k += 1
        }
        var best: [Int32: Float] = [:]
        for id in stems {
            for entry in bm25(id: id) where entry.score > best[entry.paper] ?? 0 { best[entry.paper] = entry.score }
        }
        let scores = best.map { (paper: $0.key, score: $0.value) }.sorted { $0.paper < $1.paper }
        lock.lock()
        prefixCache[prefix] = scores
        lock.unlock()
        return scores
    }

    /// The dense id of a stem of this batch, if it has it.
    func stemID(_ stem: String) -> Int32? {
        stemIDs[stem]
    }

    /// The TF-IDF vector of a paper outside this batch (a liked paper from
    /// earlier), over this batch's vocabulary.
    func vector(title: String, abstract: String, titleWeight: Double) -> SparseVector {
        var tf: [Int32: Float] = [:]
        for (text, weight) in [(title, Float(titleWeight)), (abstract, 1)] {
            for stem in TextAnalyzer.stems(text) {
                if let id = stemIDs[stem] { tf[id, default: 0] += weight }
            }
        }
        let n = Double(paperCount)
        return SparseVector(tf.map { id, count in
            let df = Double(postings[Int(id)].count)
            return (id, (1 + log(count)) * Float(log(1 + (n - df + 0.5) / (df + 0.5))))
        })
    }
}

/// Two or more words in a row as a query term matches them (see `RelevanceIndex.bm25(run:isPrefix:alsoJoined:)`).
private struct RunPattern {
    /// The words as written, and their stems.
    let words: [String]
    let stems: [String]
    let fingerprints: [UInt64]
    /// The last word is a prefix of a word as written.
    let isPrefix: Bool
    /// The words written as one, as written and stemmed; nil for a phrase.
    let joined: (word: String, stem: String, fingerprint: UInt64)?

    init(words: [String], isPrefix: Bool, alsoJoined: Bool) {
        self.words = words
        stems = words.map(PorterStemmer.stem)
        fingerprints = stems.map(Fingerprint.of)
        self.isPrefix = isPrefix
        let word = words.joined()
        let stem = PorterStemmer.stem(word)
        joined = alsoJoined ? (word, stem, Fingerprint.of(stem)) : nil
    }

    /// How many times the run (or the joined word) occurs in one field of a
    /// paper, given as words, stems and their fingerprints in order. A
    /// tight scan over the fingerprints; the strings are compared only
    /// where the fingerprints agree.
    func occurrences(words fieldWords: [String], stems fieldStems: [String], fingerprints fieldFingerprints: [UInt64]) -> Int {
        let n = stems.count
        let last = n - 1
        /// The run's words from `start` on (the first already matched by fingerprint).
        func runMatches(at start: Int) -> Bool {
            start + n <= fieldStems.count && fieldStems[start] == stems[0] && (1..<max(1, n)).allSatisfy { k in
                isPrefix && k == last ? fieldWords[start + k].startsWithWord(words[k])
                    : fieldFingerprints[start + k] == fingerprints[k] && fieldStems[start + k] == stems[k]
            }
        }
        var count = 0
        fieldFingerprints.withUnsafeBufferPointer { scanned in
            for start in scanned.indices {
                if let joined, isPrefix ? fieldWords[start].startsWithWord(joined.word)
                    : scanned[start] == joined.fingerprint && fieldStems[start] == joined.stem {
                    count += 1
                } else if scanned[start] == fingerprints[0] && runMatches(at: start) {
                    count += 1
                }
            }
        }
        return count
    }
}

/// A sparse vector over stem ids, sorted by id and L2-normalised.
struct SparseVector: Sendable {
    let ids: [Int32]
    let values: [Float]

    init(_ entries: [(Int32, Float)]) {
        let sorted = entries.filter { $0.1 > 0 }.sorted { $0.0 < $1.0 }
        let norm = sorted.reduce(Float(0)) { $0 + $1.1 * $1.1 }.squareRoot()
        ids = sorted.map(\.0)
        values = norm > 0 ? sorted.map { $0.1 / norm } : sorted.map(\.1)
    }

    var isEmpty: Bool { ids.isEmpty }

    /// Dot product with a dense vector indexed by stem id.
    func dot(dense: [Float]) -> Float {
        var sum: Float = 0
        for k in ids.indices { sum += values[k] * dense[Int(ids[k])] }
        return sum
    }

}
