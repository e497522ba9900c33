/// The similarity of a paper to the closest of a reader's Not for me papers:
/// the most similar one, not the mean of all, so a near-duplicate of one
/// disliked paper drops however many others they disliked.
///
/// The disliked papers go in groups of eight, one lane each of a
/// `SIMD8<Float>`. For each stem and group with that stem there is a row:
/// the eight papers' values for it side by side. A scratch's `starts` and
/// `counts` say where each stem's rows are, so one paper costs a walk over
/// its own stems with one vector multiply-add per row (for up to eight Not
/// for me papers, one per stem the paper shares with them), and building
/// the rows touches only the disliked papers' stems. Made and cleared by
/// `with(_:scratch:_:)`.
struct DislikePenalty {
    typealias Row = SIMD8<Float>
    private let scratch: RankingScratch
    /// The rows, grouped by stem: which group of eight, and their values.
    private let rowGroup: [Int32]
    private let rows: [Row]
    private let groups: Int

    /// Runs `body` with the penalty of `vectors` (nil without a non-empty
    /// one), then leaves the scratch as it was.
    static func with<Result>(_ vectors: [SparseVector], scratch: RankingScratch, _ body: (DislikePenalty?) -> Result) -> Result {
        let vectors = vectors.filter { !$0.isEmpty }
        guard !vectors.isEmpty else { return body(nil) }
        let (starts, counts, lastGroup) = (scratch.starts, scratch.counts, scratch.marks)
        let groups = (vectors.count + Row.scalarCount - 1) / Row.scalarCount
        // Count each stem's rows (one per group that has it), marking the last group counted.
        var stems: [Int32] = []
        for (index, vector) in vectors.enumerated() {
            let group = Int32(index / Row.scalarCount + 1)
            vector.ids.withUnsafeBufferPointer { ids in
                for id in ids where Int(id) < counts.count && lastGroup[Int(id)] != group {
                    lastGroup[Int(id)] = group
                    if counts[Int(id)] == 0 { stems.append(id) }
                    counts[Int(id)] += 1
                }
            }
        }
        defer { for stem in stems { starts[Int(stem)] = 0; counts[Int(stem)] = 0; lastGroup[Int(stem)] = 0 } }
        // Each stem's rows end where the next stem's begin; filled back to front.
        var end: Int32 = 0
        for stem in stems {
            end += counts[Int(stem)]
            starts[Int(stem)] = end
            lastGroup[Int(stem)] = -1
        }
        var rowGroup = [Int32](repeating: 0, count: Int(end))
        var rows = [Row](repeating: .zero, count: Int(end))
        rowGroup.withUnsafeMutableBufferPointer { rowGroup in
            rows.withUnsafeMutableBufferPointer { rows in
                for (index, vector) in vectors.enumerated() {
                    let (group, lane) = (Int32(index / Row.scalarCount), index % Row.scalarCount)
                    vector.ids.withUnsafeBufferPointer { ids in
                        vector.values.withUnsafeBufferPointer { values in
                            for k in ids.indices where Int(ids[k]) < counts.count {
                                let stem = Int(ids[k])
                                // `lastGroup` now holds the stem's row in the latest group filled.
                                var row = Int(lastGroup[stem])
                                if row < 0 || rowGroup[row] != group {
                                    starts[stem] -= 1
                                    row = Int(starts[stem])
                                    rowGroup[row] = group
                                    lastGroup[stem] = Int32(row)
                                }
                                rows[row][lane] = values[k]
                            }
                        }
                    }
                }
            }
        }
        return body(DislikePenalty(scratch: scratch, rowGroup: rowGroup, rows: rows, groups: groups))
    }

    private init(scratch: RankingScratch, rowGroup: [Int32], rows: [Row], groups: Int) {
        self.scratch = scratch
        self.rowGroup = rowGroup
        self.rows = rows
        self.groups = groups
    }

    /// The largest cosine similarity of window paper `paper` to a disliked paper (0...1).
    func similarity(_ paper: Int, in matrix: TermMatrix) -> Double {
        precondition(matrix.stemCount <= scratch.stemCount, "a scratch for \(scratch.stemCount) stems, a matrix of \(matrix.stemCount)")
        let (starts, counts) = (scratch.starts, scratch.counts)
        let range = Int(matrix.rowOffsets[paper])..<Int(matrix.rowOffsets[paper + 1])
        return rows.withUnsafeBufferPointer { rows in
            matrix.rowIDs.withUnsafeBufferPointer { ids in
                matrix.rowValues.withUnsafeBufferPointer { values in
                    if groups == 1 {
                        // Up to eight Not for me papers: one row per stem, summed in a register.
                        var sum = Row.zero
                        for k in range {
                            let stem = Int(ids[k])
                            if counts[stem] > 0 { sum += rows[Int(starts[stem])] * values[k] }
                        }
                        return Double(sum.max())
                    }
                    return withUnsafeTemporaryAllocation(of: Row.self, capacity: groups) { sums in
                        sums.initialize(repeating: .zero)
                        rowGroup.withUnsafeBufferPointer { rowGroup in
                            for k in range {
                                let stem = Int(ids[k])
                                let start = Int(starts[stem])
                                for row in start..<(start + Int(counts[stem])) { sums[Int(rowGroup[row])] += rows[row] * values[k] }
                            }
                        }
                        return Double(sums.reduce(Row.zero) { $0.replacing(with: $1, where: $1 .> $0) }.max())
                    }
                }
            }
        }
    }
}
