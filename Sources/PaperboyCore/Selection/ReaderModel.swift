import Foundation

/// The run's TF-IDF vectors turned around: for each stem, the papers of the
/// window that contain it with their vector values. Scoring a reader model
/// then walks the postings of the model's few terms instead of every
/// candidate's every word. Also the window's mean vector and each paper's
/// dot product with it: the "every other paper is a negative" half of every
/// reader's model, computed once per run. A class, so every reader's
/// ranking shares it without copying its arrays' references.
final class TermMatrix: Sendable {
    /// Postings of stem id `s`: `papers[offsets[s]..<offsets[s + 1]]` with `values` alongside.
    let offsets: [Int32]
    let papers: [Int32]
    let values: [Float]
    /// The mean of the window's vectors, by stem id.
    let mean: [Float]
    /// Per paper: its vector · `mean`.
    let meanDot: [Float]
    /// The window's vectors, by position.
    let vectors: [SparseVector]
    /// The same vectors laid end to end (paper `p`'s stems and values are
    /// `rowIDs[rowOffsets[p]..<rowOffsets[p + 1]]`), for loops over many
    /// papers that should not copy a vector each.
    let rowOffsets: [Int32]
    let rowIDs: [Int32]
    let rowValues: [Float]
    /// The mean number of stems in a paper's vector.
    let averageStems: Double

    init(vectors: [SparseVector], stemCount: Int) {
        self.vectors = vectors
        var rowOffsets: [Int32] = [0]
        rowOffsets.reserveCapacity(vectors.count + 1)
        for vector in vectors { rowOffsets.append(rowOffsets[rowOffsets.count - 1] + Int32(vector.ids.count)) }
        self.rowOffsets = rowOffsets
        rowIDs = vectors.flatMap(\.ids)
        rowValues = vectors.flatMap(\.values)
        averageStems = vectors.isEmpty ? 0 : Double(vectors.reduce(0) { $0 + $1.ids.count }) / Double(vectors.count)
        var counts = [Int32](repeating: 0, count: stemCount + 1)
        for vector in vectors { for id in vector.ids { counts[Int(id) + 1] += 1 } }
        for k in 0..<stemCount { counts[k + 1] += counts[k] }
        offsets = counts
        var next = counts
        var papers = [Int32](repeating: 0, count: Int(counts[stemCount]))
        var values = [Float](repeating: 0, count: Int(counts[stemCount]))
        var sum = [Float](repeating: 0, count: stemCount)
        for (paper, vector) in vectors.enumerated() {
            for k in vector.ids.indices {
                let id = Int(vector.ids[k])
                papers[Int(next[id])] = Int32(paper)
                values[Int(next[id])] = vector.values[k]
                next[id] += 1
                sum[id] += vector.values[k]
            }
        }
        self.papers = papers
        self.values = values
        let count = Float(max(1, vectors.count))
        let mean = sum.map { $0 / count }
        self.mean = mean
        meanDot = vectors.map { $0.dot(dense: mean) }
    }

    var stemCount: Int { offsets.count - 1 }
}

/// One subscriber's model of what they want, learned at planning time from
/// their likes (positive), their "Not for me" papers and the rest of the
/// window (negative): a linear model over the same TF-IDF features as
/// "more like these" (stems of title and abstract, the title weighted).
///
/// Training is a linear classifier in closed form: the weights are the
/// mean liked vector less the negative ones, the window's mean at
/// `negativeWeight` (shared by every reader, `TermMatrix`), and with Not for
/// me papers `negativeWeight × (1 − dislikedShare)` of it and
/// `dislikedShare` × the mean disliked vector. A linear SVM or logistic
/// regression with strong regularisation (arxiv-sanity-lite's C = 0.01)
/// comes to the same direction, but here training costs the adding of a few
/// sparse vectors, so 100,000 readers train within a planning run. One
/// round of pseudo-relevance feedback follows: the three best candidates
/// join the positives at half weight, which finds papers on the topic that
/// share few words with the two or three papers a reader liked. Only the
/// `maxTerms` heaviest terms are kept, so scoring walks a few postings lists.
///
/// Deterministic: ties break by paper position (the window is sorted by id).
struct ReaderModel: Sendable {
    /// At most this many of the most recent likes (and dislikes) train the
    /// model: a reader with 10,000 likes costs what one with 1,000 does,
    /// and recent interests count.
    static let maxExamples = 1000
    /// Terms kept from the likes and dislikes, and from the feedback papers.
    static let maxTerms = 128
    static let maxFeedbackTerms = 64
    /// The weight of the negative class against the positive one: half.
    /// (At 1, balanced as in arxiv-sanity-lite's SVM, a paper was pushed
    /// down for every common word it has that two liked papers happen not
    /// to use; `scripts/eval-relevance` ranks 0.25 to 0.75 alike.)
    static let negativeWeight: Float = 0.5
    /// The share of "Not for me" papers in the negative class.
    static let dislikedShare: Float = 0.1
    /// Candidates added as positives by pseudo-relevance feedback, and their weight.
    static let feedbackPapers = 3
    static let feedbackWeight: Float = 0.5

    /// The kept terms (stem ids, in the order first added) and their weights.
    let terms: [Int32]
    let weights: [Float]
    /// How much of the window's mean vector is subtracted.
    let meanWeight: Float
    /// Per window paper (by position): its score, worked out while training
    /// for the candidates it was given (other entries mean nothing).
    let scores: [Float]

    /// Trains on the liked and disliked vectors, then refines with the best
    /// of `candidates` (window positions). Nil without a liked vector.
    init?(liked: [SparseVector], disliked: [SparseVector], candidates: [Int], matrix: TermMatrix, scratch: RankingScratch) {
        precondition(matrix.stemCount <= scratch.stemCount, "a scratch for \(scratch.stemCount) stems, a matrix of \(matrix.stemCount)")
        let liked = liked.suffix(Self.maxExamples).filter { !$0.isEmpty }
        guard !liked.isEmpty else { return nil }
        let disliked = disliked.suffix(Self.maxExamples).filter { !$0.isEmpty }
        var accumulator = SparseAccumulator(scratch: scratch)
        defer { accumulator.reset() }
        for vector in liked { accumulator.add(vector, times: 1 / Float(liked.count)) }
        let share: Float = disliked.isEmpty ? 0 : Self.dislikedShare
        for vector in disliked { accumulator.add(vector, times: -share / Float(disliked.count)) }
        // In the order first added: the scores' sums follow the likes' order (sorting by stem id cost 4 %).
        var kept = accumulator.heaviest(Self.maxTerms)
        var meanWeight = Self.negativeWeight * (1 - share)
        var scores = [Float](repeating: 0, count: matrix.meanDot.count)
        Self.add(kept, meanWeight: meanWeight, to: &scores, candidates: candidates, matrix: matrix, scratch: scratch)
        if Self.feedbackPapers > 0 && candidates.count > Self.feedbackPapers {
            // The best candidates so far, as positives: their heaviest terms and their share of the mean are added.
            let best = TopK.best(Self.feedbackPapers, of: candidates) { scores[$0] }
            accumulator.reset()
            for paper in best { accumulator.add(matrix.vectors[paper], times: Self.feedbackWeight / Float(best.count)) }
            let feedback = accumulator.heaviest(Self.maxFeedbackTerms)
            let feedbackMean = Self.negativeWeight * Self.feedbackWeight
            Self.add(feedback, meanWeight: feedbackMean, to: &scores, candidates: candidates, matrix: matrix, scratch: scratch)
            // Both term lists as one, the weights of a term in both added.
            accumulator.reset()
            for (id, weight) in kept + feedback { accumulator.add(id, weight) }
            kept = accumulator.entries
            meanWeight += feedbackMean
        }
        terms = kept.map(\.id)
        weights = kept.map(\.weight)
        self.meanWeight = meanWeight
        self.scores = scores
    }

    /// Adds to each candidate's score its dot product with the weights less
    /// `meanWeight` × its dot product with the window's mean (other papers'
    /// entries may be added to or not). Whichever is less work: walking the
    /// weights' postings (every paper with those stems), or each candidate's
    /// own stems against the weights laid out densely (few candidates, as
    /// for most readers with a query).
    /// `overCandidates` forces one way (tests compare the two).
    static func add(_ weights: [(id: Int32, weight: Float)], meanWeight: Float, to scores: inout [Float], candidates: [Int],
                    matrix: TermMatrix, scratch: RankingScratch, overCandidates: Bool? = nil) {
        precondition(matrix.stemCount <= scratch.stemCount, "a scratch for \(scratch.stemCount) stems, a matrix of \(matrix.stemCount)")
        let postingsWork = weights.reduce(0) { $0 + Int(matrix.offsets[Int($1.id) + 1] - matrix.offsets[Int($1.id)]) }
        let candidateWork = Int(Double(candidates.count) * matrix.averageStems) + matrix.stemCount / 8
        scores.withUnsafeMutableBufferPointer { scores in
            if overCandidates ?? (candidateWork < postingsWork) {
                // The weights laid out by stem in the scratch, cleared after.
                let dense = scratch.weights
                for (id, weight) in weights { dense[Int(id)] = weight }
                defer { for (id, _) in weights { dense[Int(id)] = 0 } }
                matrix.rowOffsets.withUnsafeBufferPointer { offsets in
                    matrix.rowIDs.withUnsafeBufferPointer { ids in
                        matrix.rowValues.withUnsafeBufferPointer { values in
                            for paper in candidates {
                                var sum: Float = 0
                                for k in Int(offsets[paper])..<Int(offsets[paper + 1]) { sum += values[k] * dense[Int(ids[k])] }
                                scores[paper] += sum
                            }
                        }
                    }
                }
            } else {
                matrix.offsets.withUnsafeBufferPointer { offsets in
                    matrix.papers.withUnsafeBufferPointer { papers in
                        matrix.values.withUnsafeBufferPointer { values in
                            for (id, weight) in weights {
                                for p in Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1]) {
                                    scores[Int(papers[p])] += weight * values[p]
                                }
                            }
                        }
                    }
                }
            }
            matrix.meanDot.withUnsafeBufferPointer { meanDot in
                for paper in candidates { scores[paper] -= meanWeight * meanDot[paper] }
            }
        }
    }

    /// The kept terms' weights by stem, for `contributions(_:matrix:weights:)`.
    var weightByTerm: [Int32: Float] { Dictionary(uniqueKeysWithValues: zip(terms, weights)) }

    /// What each of a paper's stems adds to its score, largest first; only
    /// the stems that add something. `weights` is `weightByTerm`, worked
    /// out once for all the papers explained.
    func contributions(_ vector: SparseVector, matrix: TermMatrix, weights weightByTerm: [Int32: Float]) -> [(id: Int32, amount: Float)] {
        var result: [(id: Int32, amount: Float)] = []
        for (j, id) in vector.ids.enumerated() {
            let weight = (weightByTerm[id] ?? 0) - meanWeight * matrix.mean[Int(id)]
            let amount = weight * vector.values[j]
            if amount > 0 { result.append((id, amount)) }
        }
        return result.sorted { $0.amount != $1.amount ? $0.amount > $1.amount : $0.id < $1.id }
    }
}

/// A sum of sparse vectors laid out by stem in a scratch's `sums`, which
/// remembers the entries it touched (in the scratch's `stemList`), so the
/// heaviest can be found and the sums cleared without scanning every stem.
/// One at a time per scratch (not copyable: a copy would not clear what
/// the other added); `reset()` before the scratch goes to another use.
struct SparseAccumulator: ~Copyable {
    private let scratch: RankingScratch
    private let sums: UnsafeMutableBufferPointer<Float>
    private let touched: UnsafeMutableBufferPointer<Int32>
    private var touchedCount = 0

    init(scratch: RankingScratch) {
        self.scratch = scratch
        sums = scratch.sums
        touched = scratch.stemList
    }

    /// Back to all zeros, touching only what was added.
    mutating func reset() {
        for k in 0..<touchedCount { sums[Int(touched[k])] = 0 }
        touchedCount = 0
    }

    mutating func add(_ vector: SparseVector, times factor: Float) {
        vector.ids.withUnsafeBufferPointer { ids in
            vector.values.withUnsafeBufferPointer { values in
                for k in ids.indices { add(ids[k], factor * values[k]) }
            }
        }
    }

    @inline(__always)
    mutating func add(_ id: Int32, _ amount: Float) {
        guard Int(id) < sums.count else { return }
        let old = sums[Int(id)]
        if old == 0 {
            touched[touchedCount] = id
            touchedCount += 1
        }
        // Exactly 0 again (rare): keep it listed once by nudging it.
        let new = old + amount
        sums[Int(id)] = new == 0 ? .leastNonzeroMagnitude : new
    }

    /// Every entry added to, in the order first added.
    var entries: [(id: Int32, weight: Float)] {
        (0..<touchedCount).map { k in (id: touched[k], weight: sums[Int(touched[k])]) }
    }

    /// The `count` entries of largest magnitude (ties: lower stem id), in
    /// no particular order (the same for the same input).
    ///
    /// The bit patterns of non-negative floats sort as the floats do, so one
    /// pass counts the magnitudes by their top 11 bits (exponent and three
    /// bits of mantissa: a bucket is an eighth of a power of two) and finds
    /// the bucket where the `count`th largest falls. Every entry of a higher
    /// bucket is kept; the few of that bucket are sorted for the rest. Two
    /// passes and no comparisons to mispredict (a quickselect took twice as
    /// long; the heaviest terms are picked twice per subscriber).
    func heaviest(_ count: Int) -> [(id: Int32, weight: Float)] {
        guard touchedCount > count else { return entries }
        guard count > 0 else { return [] }
        let buckets = 1 << 11
        func bucket(_ weight: Float) -> Int { Int(abs(weight).bitPattern >> 20) }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets) { sizes in
            sizes.initialize(repeating: 0)
            var highest = 0
            for k in 0..<touchedCount {
                let b = bucket(sums[Int(touched[k])])
                sizes[b] += 1
                highest = max(highest, b)
            }
            // From the highest bucket down to the one holding the `count`th largest.
            var chosen = highest
            var above = 0
            while above + Int(sizes[chosen]) < count {
                above += Int(sizes[chosen])
                chosen -= 1
            }
            var kept: [(id: Int32, weight: Float)] = []
            kept.reserveCapacity(count)
            var boundary: [(id: Int32, weight: Float)] = []
            for k in 0..<touchedCount {
                let id = touched[k]
                let weight = sums[Int(id)]
                let b = bucket(weight)
                if b > chosen { kept.append((id, weight)) } else if b == chosen { boundary.append((id, weight)) }
            }
            boundary.sort { abs($0.weight) != abs($1.weight) ? abs($0.weight) > abs($1.weight) : $0.id < $1.id }
            kept += boundary.prefix(count - above)
            return kept
        }
    }
}
