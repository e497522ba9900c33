import Synchronization

/// Working memory for ranking one subscriber: arrays as long as the
/// vocabulary, of which one reader's model and Not for me papers touch a
/// few hundred entries. Allocated once per thread that ranks, not once per
/// subscriber: with a real vocabulary (tens of thousands of stems) zeroing
/// fresh arrays for each of 100,000 subscribers cost more than their
/// ranking. Each user leaves the arrays as it found them (see each
/// property), clearing only the entries it touched.
///
/// One user at a time: `RankingScratch.Pool` hands each out to one thread.
final class RankingScratch: @unchecked Sendable {
    /// Per stem: a sum (`SparseAccumulator`). All 0 between uses.
    let sums: UnsafeMutableBufferPointer<Float>
    /// Per stem: a reader model's weights, while it scores candidates one
    /// by one (`ReaderModel.add`). All 0 between uses.
    let weights: UnsafeMutableBufferPointer<Float>
    /// Per stem: where its entries start in a `DislikePenalty`, and how
    /// many there are. All 0 between uses.
    let starts: UnsafeMutableBufferPointer<Int32>
    let counts: UnsafeMutableBufferPointer<Int32>
    /// Per stem: a mark while a `DislikePenalty` is built. All 0 between uses.
    let marks: UnsafeMutableBufferPointer<Int32>
    /// Room for a list of stems, each at most once (`SparseAccumulator`); no invariant.
    let stemList: UnsafeMutableBufferPointer<Int32>

    init(stems: Int) {
        sums = .allocate(capacity: stems)
        sums.initialize(repeating: 0)
        weights = .allocate(capacity: stems)
        weights.initialize(repeating: 0)
        starts = .allocate(capacity: stems)
        starts.initialize(repeating: 0)
        counts = .allocate(capacity: stems)
        counts.initialize(repeating: 0)
        marks = .allocate(capacity: stems)
        marks.initialize(repeating: 0)
        stemList = .allocate(capacity: stems)
    }

    deinit {
        sums.deallocate()
        weights.deallocate()
        starts.deallocate()
        counts.deallocate()
        marks.deallocate()
        stemList.deallocate()
    }

    var stemCount: Int { sums.count }

    /// The scratch of the threads that rank at once, each reused: as many
    /// exist as threads have ranked at the same time.
    final class Pool: Sendable {
        private let idle = Mutex<[RankingScratch]>([])
        let stems: Int

        init(stems: Int) {
            self.stems = stems
        }

        /// Runs `body` with a scratch no other thread uses meanwhile.
        func withScratch<Result>(_ body: (RankingScratch) -> Result) -> Result {
            let scratch = idle.withLock { $0.popLast() } ?? RankingScratch(stems: stems)
            defer { idle.withLock { $0.append(scratch) } }
            return body(scratch)
        }
    }
}
