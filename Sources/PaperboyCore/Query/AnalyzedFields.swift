/// One text field (title or abstract) of every paper of a batch, split into
/// words (`TextAnalyzer.words`) and their Porter stems: what the query
/// index and the relevance index are both built from, worked out once.
struct AnalyzedField: Sendable {
    /// Per paper, the field's words in order, unstemmed.
    let words: [[String]]
    /// Per paper, the stems of `words` (same positions).
    let stems: [[String]]
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
        title = AnalyzedField(words: slices.flatMap(\.title.words), stems: slices.flatMap(\.title.stems))
        abstract = AnalyzedField(words: slices.flatMap(\.abstract.words), stems: slices.flatMap(\.abstract.stems))
    }

    private static func analyze(_ texts: [String], stemmer: inout StemCache) -> AnalyzedField {
        let words = texts.map(TextAnalyzer.words)
        return AnalyzedField(words: words, stems: words.map { $0.map { stemmer.stem($0) } })
    }
}
