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
