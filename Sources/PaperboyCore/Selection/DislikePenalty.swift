/// The similarity of a paper to the closest of a reader's Not for me papers:
/// the most similar one, not the mean of all, so a near-duplicate of one
/// disliked paper drops however many others they disliked.
///
/// The disliked papers' stems sit in a small open-addressing table (stem id
/// → a chain of (disliked paper, value)), so one paper costs a walk over
/// its own stems, and building the table does not touch the whole vocabulary.
struct DislikePenalty {
    /// Open addressing: `slotStem[s]` is the stem in slot `s` (-1: empty), `slotHead[s]` its chain's first entry.
    private var slotStem: [Int32]
    private var slotHead: [Int32]
    private let mask: Int
    /// The chains' entries: which disliked paper, its value for the stem, the next entry or -1.
    private var dislike: [Int32] = []
    private var value: [Float] = []
    private var next: [Int32] = []
    private let count: Int

    /// Nil without a non-empty vector.
    init?(_ vectors: [SparseVector]) {
        let vectors = vectors.filter { !$0.isEmpty }
        guard !vectors.isEmpty else { return nil }
        count = vectors.count
        var slots = 64
        let entries = vectors.reduce(0) { $0 + $1.ids.count }
        while slots < 2 * entries { slots *= 2 }
        mask = slots - 1
        slotStem = [Int32](repeating: -1, count: slots)
        slotHead = [Int32](repeating: -1, count: slots)
        for (dislike, vector) in vectors.enumerated() {
            for k in vector.ids.indices {
                let slot = slotFor(vector.ids[k])
                slotStem[slot] = vector.ids[k]
                self.dislike.append(Int32(dislike))
                value.append(vector.values[k])
                next.append(slotHead[slot])
                slotHead[slot] = Int32(next.count - 1)
            }
        }
    }

    /// The slot holding `stem`, or the empty slot where it would go.
    private func slotFor(_ stem: Int32) -> Int {
        var slot = Int(UInt32(bitPattern: stem) &* 2_654_435_761) & mask
        while slotStem[slot] != -1 && slotStem[slot] != stem { slot = (slot + 1) & mask }
        return slot
    }

    /// The largest cosine similarity of window paper `paper` to a disliked paper (0...1).
    func similarity(_ paper: Int, in matrix: TermMatrix) -> Double {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { sums in
            sums.initialize(repeating: 0)
            slotStem.withUnsafeBufferPointer { slotStem in
                slotHead.withUnsafeBufferPointer { slotHead in
                    matrix.rowIDs.withUnsafeBufferPointer { ids in
                        matrix.rowValues.withUnsafeBufferPointer { values in
                            for k in Int(matrix.rowOffsets[paper])..<Int(matrix.rowOffsets[paper + 1]) {
                                let stem = ids[k]
                                var slot = Int(UInt32(bitPattern: stem) &* 2_654_435_761) & mask
                                while slotStem[slot] != -1 && slotStem[slot] != stem { slot = (slot + 1) & mask }
                                var entry = Int(slotHead[slot])
                                while entry >= 0 {
                                    sums[Int(dislike[entry])] += value[entry] * values[k]
                                    entry = Int(next[entry])
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
