import Foundation

/// The best few of many without sorting them all.
enum TopK {
    /// The first `count` items in the order `precedes` defines, best first
    /// (items neither precedes come in the order of `items`).
    static func best(_ count: Int, of items: some Sequence<Int>, precedes: (Int, Int) -> Bool) -> [Int] {
        guard count > 0 else { return [] }
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for item in items {
            if best.count == count, let last = best.last, !precedes(item, last) { continue }
            // After every kept item that it does not precede.
            var low = 0
            var high = best.count
            while low < high {
                let middle = (low + high) / 2
                if precedes(item, best[middle]) { high = middle } else { low = middle + 1 }
            }
            best.insert(item, at: low)
            if best.count > count { best.removeLast() }
        }
        return best
    }

    /// The `count` items with the highest scores, highest first (ties: the
    /// one that comes first in `items`).
    static func best<Score: Comparable>(_ count: Int, of items: some Sequence<Int>, score: (Int) -> Score) -> [Int] {
        best(count, of: items) { score($0) > score($1) }
    }
}

/// The k-th largest of many non-negative numbers without sorting them all.
///
/// The bit patterns of non-negative floats sort as the floats do, so one
/// pass counts the values by their top 11 bits (sign, exponent, three bits
/// of mantissa: a bucket is an eighth of a power of two), finds the bucket
/// that holds rank `k` from the top, and only that bucket's few values are
/// sorted. No comparisons to mispredict, unlike the quickselect it
/// replaced (a reader's heaviest terms are picked twice per subscriber).
enum RadixSelect {
    /// The value that would be at `rank` (0: the largest) if `values` were
    /// sorted descending; `values` must be non-negative (not NaN) and are
    /// reordered.
    static func value(at rank: Int, largestFirst values: inout [Float]) -> Float {
        values.withUnsafeMutableBufferPointer { value(at: rank, largestFirst: $0) }
    }

    static func value(at rank: Int, largestFirst values: UnsafeMutableBufferPointer<Float>) -> Float {
        precondition(values.indices.contains(rank), "rank \(rank) of \(values.count) values")
        let buckets = 1 << 11
        func bucket(_ value: Float) -> Int { Int(value.bitPattern >> 20) }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets) { counts in
            counts.initialize(repeating: 0)
            var highest = 0
            for value in values {
                counts[bucket(value)] += 1
                highest = max(highest, bucket(value))
            }
            // From the highest bucket down to the one that holds rank `rank`.
            var rank = rank
            var chosen = highest
            while Int(counts[chosen]) <= rank {
                rank -= Int(counts[chosen])
                chosen -= 1
            }
            // That bucket's values, at the front, sorted.
            var kept = 0
            for k in values.indices where bucket(values[k]) == chosen {
                values[kept] = values[k]
                kept += 1
            }
            var front = UnsafeMutableBufferPointer(rebasing: values[0..<kept])
            front.sort(by: >)
            return front[rank]
        }
    }
}
