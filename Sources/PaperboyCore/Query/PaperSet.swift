/// A set of paper indexes in 0..<count, as a bitset: the unit of query evaluation.
public struct PaperSet: Equatable, Sendable {
    private(set) var bits: [UInt64]
    /// The size of the universe: papers 0..<count.
    public let count: Int

    /// The empty set.
    public init(count: Int) {
        self.count = count
        bits = Array(repeating: 0, count: (count + 63) / 64)
    }

    public init<S: Sequence>(count: Int, members: S) where S.Element: BinaryInteger {
        self.init(count: count)
        for member in members { insert(Int(member)) }
    }

    /// Every paper.
    public static func all(count: Int) -> PaperSet {
        var set = PaperSet(count: count)
        set.bits = set.bits.map { _ in ~0 }
        set.clearTail()
        return set
    }

    public mutating func insert(_ index: Int) {
        bits[index >> 6] |= 1 << UInt64(index & 63)
    }

    public mutating func remove(_ index: Int) {
        bits[index >> 6] &= ~(1 << UInt64(index & 63))
    }

    public func contains(_ index: Int) -> Bool {
        index >= 0 && index < count && bits[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    public var isEmpty: Bool { bits.allSatisfy { $0 == 0 } }

    public mutating func formUnion(_ other: PaperSet) {
        for k in bits.indices { bits[k] |= other.bits[k] }
    }

    public mutating func formIntersection(_ other: PaperSet) {
        for k in bits.indices { bits[k] &= other.bits[k] }
    }

    public mutating func subtract(_ other: PaperSet) {
        for k in bits.indices { bits[k] &= ~other.bits[k] }
    }

    public func complement() -> PaperSet {
        var result = self
        for k in result.bits.indices { result.bits[k] = ~result.bits[k] }
        result.clearTail()
        return result
    }

    private mutating func clearTail() {
        let extra = bits.count * 64 - count
        if extra > 0 { bits[bits.count - 1] &= ~0 >> UInt64(extra) }
    }

    /// The members, ascending.
    public var indices: [Int] {
        var result: [Int] = []
        for (k, word) in bits.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                result.append(k * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return result
    }
}
