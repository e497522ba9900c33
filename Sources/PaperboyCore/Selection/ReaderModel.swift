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

    /// The kept terms (stem ids, ascending) and their weights.
    let terms: [Int32]
    let weights: [Float]
    /// How much of the window's mean vector is subtracted.
    let meanWeight: Float
    /// Per window paper (by position): its score, worked out while training
    /// for the candidates it was given (other entries mean nothing).
    let scores: [Float]

    /// Trains on the liked and disliked vectors, then refines with the best
    /// of `candidates` (window positions). Nil without a liked vector.
    init?(liked: [SparseVector], disliked: [SparseVector], candidates: [Int], matrix: TermMatrix) {
        let liked = liked.suffix(Self.maxExamples).filter { !$0.isEmpty }
        guard !liked.isEmpty else { return nil }
        let disliked = disliked.suffix(Self.maxExamples).filter { !$0.isEmpty }
        var accumulator = SparseAccumulator(count: matrix.stemCount)
        for vector in liked { accumulator.add(vector, times: 1 / Float(liked.count)) }
        let share: Float = disliked.isEmpty ? 0 : Self.dislikedShare
        for vector in disliked { accumulator.add(vector, times: -share / Float(disliked.count)) }
        var kept = accumulator.heaviest(Self.maxTerms)
        var meanWeight = Self.negativeWeight * (1 - share)
        var scores = [Float](repeating: 0, count: matrix.meanDot.count)
        Self.add(kept, meanWeight: meanWeight, to: &scores, candidates: candidates, matrix: matrix)
        if Self.feedbackPapers > 0 && candidates.count > Self.feedbackPapers {
            // The best candidates so far, as positives: their heaviest terms and their share of the mean are added.
            let best = TopK.best(Self.feedbackPapers, of: candidates) { scores[$0] }
            accumulator.reset()
            for paper in best { accumulator.add(matrix.vectors[paper], times: Self.feedbackWeight / Float(best.count)) }
            let feedback = accumulator.heaviest(Self.maxFeedbackTerms)
            let feedbackMean = Self.negativeWeight * Self.feedbackWeight
            Self.add(feedback, meanWeight: feedbackMean, to: &scores, candidates: candidates, matrix: matrix)
            kept = Self.merged(kept, feedback)
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
                    matrix: TermMatrix, overCandidates: Bool? = nil) {
        let postingsWork = weights.reduce(0) { $0 + Int(matrix.offsets[Int($1.id) + 1] - matrix.offsets[Int($1.id)]) }
        let candidateWork = Int(Double(candidates.count) * matrix.averageStems) + matrix.stemCount / 8
        scores.withUnsafeMutableBufferPointer { scores in
            if overCandidates ?? (candidateWork < postingsWork) {
                var dense = [Float](repeating: 0, count: matrix.stemCount)
                for (id, weight) in weights { dense[Int(id)] = weight }
                dense.withUnsafeBufferPointer { dense in
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

    /// Two weight lists sorted by id, as one, weights of the same id added.
    private static func merged(_ a: [(id: Int32, weight: Float)], _ b: [(id: Int32, weight: Float)]) -> [(id: Int32, weight: Float)] {
        var result: [(id: Int32, weight: Float)] = []
        result.reserveCapacity(a.count + b.count)
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].id < b[j].id) {
                result.append(a[i]); i += 1
            } else if i == a.count || b[j].id < a[i].id {
                result.append(b[j]); j += 1
            } else {
                result.append((a[i].id, a[i].weight + b[j].weight)); i += 1; j += 1
            }
        }
        return result
    }

    /// What each of a paper's stems adds to its score, largest first; only
    /// the stems that add something.
    func contributions(_ vector: SparseVector, matrix: TermMatrix) -> [(id: Int32, amount: Float)] {
        var result: [(id: Int32, amount: Float)] = []
        var k = 0
        for (j, id) in vector.ids.enumerated() {
            while k < terms.count && terms[k] < id { k += 1 }
            let weight = (k < terms.count && terms[k] == id ? weights[k] : 0) - meanWeight * matrix.mean[Int(id)]
            let amount = weight * vector.values[j]
            if amount > 0 { result.append((id, amount)) }
        }
        return result.sorted { $0.amount != $1.amount ? $0.amount > $1.amount : $0.id < $1.id }
    }
}

/// A dense sum of sparse vectors that remembers which entries it touched,
/// so the heaviest can be found without scanning every stem.
struct SparseAccumulator {
    private var values: [Float]
    private var touched: [Int32] = []

    init(count: Int) {
        values = [Float](repeating: 0, count: count)
    }

    /// Back to all zeros, touching only what was added.
    mutating func reset() {
        for id in touched { values[Int(id)] = 0 }
        touched.removeAll(keepingCapacity: true)
    }

    mutating func add(_ vector: SparseVector, times factor: Float) {
        for k in vector.ids.indices {
            let id = Int(vector.ids[k])
            guard id < values.count else { continue }
            if values[id] == 0 { touched.append(Int32(id)) }
            values[id] += factor * vector.values[k]
            // Exactly 0 again (rare): keep it listed once by nudging it.
            if values[id] == 0 { values[id] = .leastNonzeroMagnitude }
        }
    }

    /// The `count` entries of largest magnitude (ties: lower stem id), by stem id.
    func heaviest(_ count: Int) -> [(id: Int32, weight: Float)] {
        var ids = touched
        if ids.count > count {
            var magnitudes = ids.map { abs(values[Int($0)]) }
            let threshold = Quickselect.value(at: count - 1, largestFirst: &magnitudes)
            // Those above the threshold, then those at it by id until `count`.
            var kept: [Int32] = []
            kept.reserveCapacity(count)
            var tied: [Int32] = []
            for id in ids {
                let magnitude = abs(values[Int(id)])
                if magnitude > threshold { kept.append(id) } else if magnitude == threshold { tied.append(id) }
            }
            if kept.count < count { kept += tied.sorted().prefix(count - kept.count) }
            ids = kept
        }
        ids.sort()
        return ids.map { (id: $0, weight: values[Int($0)]) }
    }
}
