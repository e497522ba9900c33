/// One text field (title or abstract) of every paper of a batch, split into
/// words (`TextAnalyzer.words`) and their Porter stems: what the query
/// index and the relevance index are both built from, worked out once.
struct AnalyzedField: Sendable {
    /// Per paper, the field's words in order, unstemmed.
    let words: [[String]]
    /// Per paper, the stems of `words` (same positions).
    let stems: [[String]]
    /// Per paper, the fingerprints of `stems` (same positions): a phrase is
    /// looked for by comparing these, and the strings only where they agree.
    let fingerprints: [[UInt64]]
}

/// A 64-bit fingerprint of a word or stem (FNV-1a of its UTF-8). Equal
/// strings have equal fingerprints, so two that differ are different
/// strings: one integer comparison, where comparing two unequal `String`s
/// takes the standard library's slow path (scanning a paper for a phrase
/// did that at every word). Equal fingerprints are confirmed on the strings.
enum Fingerprint {
    static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// The titles and abstracts of a batch of papers as words and stems,
/// analysed in slices of papers on several threads (`ParallelBuild`), each
/// slice with its own `StemCache`; the slices are joined in paper order, so
/// the result is the same on any number of threads.
struct AnalyzedFields: Sendable {
    let title: AnalyzedField
    let abstract: AnalyzedField

    /// Papers per slice: enough that a slice's stem cache pays off, few
    /// enough that a free thread always finds one to take.
    static let sliceSize = 128

    init(papers: [Paper], threads: Int = ParallelBuild.defaultThreads, sliceSize: Int = AnalyzedFields.sliceSize) {
        let size = max(1, sliceSize)
        let slices = ParallelBuild.map((papers.count + size - 1) / size, threads: threads) { slice in
            var stemmer = StemCache()
            let range = (slice * size)..<min(papers.count, (slice + 1) * size)
            return (title: Self.analyze(range.map { papers[$0].title }, stemmer: &stemmer),
                    abstract: Self.analyze(range.map { papers[$0].abstract }, stemmer: &stemmer))
        }
        title = AnalyzedField(words: slices.flatMap(\.title.words), stems: slices.flatMap(\.title.stems),
                              fingerprints: slices.flatMap(\.title.fingerprints))
        abstract = AnalyzedField(words: slices.flatMap(\.abstract.words), stems: slices.flatMap(\.abstract.stems),
                                 fingerprints: slices.flatMap(\.abstract.fingerprints))
    }

    private static func analyze(_ texts: [String], stemmer: inout StemCache) -> AnalyzedField {
        let words = texts.map(TextAnalyzer.words)
        let stems = words.map { $0.map { stemmer.stem($0) } }
        return AnalyzedField(words: words, stems: stems, fingerprints: stems.map { $0.map(Fingerprint.of) })
    }
}
