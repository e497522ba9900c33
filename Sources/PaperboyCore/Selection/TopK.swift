import Foundation

/// The best few of many without sorting them all.
enum TopK {
    /// The `count` items with the highest scores, highest first (ties: the
    /// one that comes first in `items`).
    static func best<Score: Comparable>(_ count: Int, of items: some Sequence<Int>, score: (Int) -> Score) -> [Int] {
        var best: [(item: Int, score: Score)] = []
        best.reserveCapacity(count + 1)
        for item in items {
            let value = score(item)
            if best.count == count, let last = best.last, value <= last.score { continue }
            var at = best.count
            while at > 0 && best[at - 1].score < value { at -= 1 }
            best.insert((item, value), at: at)
            if best.count > count { best.removeLast() }
        }
        return best.map(\.item)
    }
}

/// The k-th largest of many numbers without sorting them all.
enum Quickselect {
    /// The value that would be at `rank` (0: the largest) if `values` were
    /// sorted descending; reorders `values` (quickselect, middle pivot).
    static func value(at rank: Int, largestFirst values: inout [Float]) -> Float {
        values.withUnsafeMutableBufferPointer { values in
            var low = 0
            var high = values.count - 1
            while low < high {
                let pivot = values[(low + high) / 2]
                var i = low
                var j = high
                while i <= j {
                    while values[i] > pivot { i += 1 }
                    while values[j] < pivot { j -= 1 }
                    if i <= j {
                        (values[i], values[j]) = (values[j], values[i])
                        i += 1
                        j -= 1
                    }
                }
                if rank <= j { high = j } else if rank >= i { low = i } else { return values[rank] }
            }
            return values[rank]
        }
    }
}
