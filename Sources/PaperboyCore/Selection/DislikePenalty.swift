/// The cosine similarity of a paper to the closest of a reader's Not for me
/// papers: the most similar one, not the mean of all, so a near-duplicate
/// of one disliked paper drops however many others they disliked.
///
/// The disliked vectors are laid out by stem (a chain per stem through
/// `entries`), so one paper costs a walk over its own stems.
struct DislikePenalty {
    /// Per stem id: the first entry of its chain, or -1.
    private var head: [Int32]
    /// The chains' entries: which disliked paper, its value for the stem, the next entry or -1.
    private var dislike: [Int32] = []
    private var value: [Float] = []
    private var next: [Int32] = []
    private let count: Int

    /// Nil without a non-empty vector.
    init?(_ vectors: [SparseVector], stemCount: Int) {
        let vectors = vectors.filter { !$0.isEmpty }
        guard !vectors.isEmpty else { return nil }
        count = vectors.count
        head = [Int32](repeating: -1, count: stemCount)
        for (dislike, vector) in vectors.enumerated() {
            for k in vector.ids.indices where Int(vector.ids[k]) < stemCount {
                let id = Int(vector.ids[k])
                self.dislike.append(Int32(dislike))
                value.append(vector.values[k])
                next.append(head[id])
                head[id] = Int32(next.count - 1)
            }
        }
    }

    /// The largest cosine similarity of `vector` to a disliked paper (0...1).
    func similarity(_ vector: SparseVector) -> Double {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { sums in
            sums.initialize(repeating: 0)
            head.withUnsafeBufferPointer { head in
                dislike.withUnsafeBufferPointer { dislike in
                    value.withUnsafeBufferPointer { value in
                        next.withUnsafeBufferPointer { next in
                            vector.ids.withUnsafeBufferPointer { ids in
                                vector.values.withUnsafeBufferPointer { values in
                                    for k in 0..<ids.count where Int(ids[k]) < head.count {
                                        var entry = Int(head[Int(ids[k])])
                                        while entry >= 0 {
                                            sums[Int(dislike[entry])] += value[entry] * values[k]
                                            entry = Int(next[entry])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return Double(sums.max() ?? 0)
        }
    }
}
