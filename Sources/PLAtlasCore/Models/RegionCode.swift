/// The linear region of a state: the sign pattern d = 1[N z + b > 0] of the H hidden units,
/// as a fixed-width bit vector (bit i is unit i; 64 units per word, any number of units).
///
/// Codes compare by their words, so they have a total order (used to sort output
/// deterministically); the order has no geometric meaning.
public struct RegionCode: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The bits, 64 units per word, unit i in bit (i % 64) of word i / 64; unused high bits are 0.
    public private(set) var words: [UInt64]
    /// The number of units (bits).
    public let count: Int

    /// The all-zero code of `count` units (every unit inactive).
    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        self.words = [UInt64](repeating: 0, count: Self.wordCount(count))
    }

    /// A code from its bits, unit 0 first.
    public init(bits: [Bool]) {
        self.init(count: bits.count)
        for (i, bit) in bits.enumerated() where bit { self[i] = true }
    }

    /// A code from raw words (as stored in files); bits at or above `count` must be zero.
    public init?(words: [UInt64], count: Int) {
        guard words.count == Self.wordCount(count) else { return nil }
        if count % 64 != 0, let last = words.last, last >> UInt64(count % 64) != 0 { return nil }
        self.count = count
        self.words = words
    }

    /// A code from a string of '0' and '1', unit 0 first (the form `description` prints).
    public init?(_ text: String) {
        var bits: [Bool] = []
        for character in text {
            switch character {
            case "0": bits.append(false)
            case "1": bits.append(true)
            default: return nil
            }
        }
        self.init(bits: bits)
    }

    /// The code whose bits are the binary digits of `index` (unit 0 = least significant bit);
    /// enumerates all regions of a model with up to 63 units as `index` runs over 0..<2^count.
    public init(index: UInt64, count: Int) {
        self.init(count: count)
        if count > 0 { words[0] = count >= 64 ? index : index & ((1 << UInt64(count)) - 1) }
    }

    public static func wordCount(_ bits: Int) -> Int { (bits + 63) / 64 }

    public subscript(unit: Int) -> Bool {
        get { (words[unit >> 6] >> UInt64(unit & 63)) & 1 == 1 }
        set {
            let mask: UInt64 = 1 << UInt64(unit & 63)
            if newValue { words[unit >> 6] |= mask } else { words[unit >> 6] &= ~mask }
        }
    }

    /// The number of active units.
    public var activeCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The code with unit `unit` flipped.
    public func flipping(_ unit: Int) -> RegionCode {
        var copy = self
        copy[unit].toggle()
        return copy
    }

    /// The number of units in which two codes differ.
    public func hammingDistance(to other: RegionCode) -> Int {
        precondition(count == other.count)
        var total = 0
        for i in words.indices { total += (words[i] ^ other.words[i]).nonzeroBitCount }
        return total
    }

    /// The bits as '0'/'1' characters, unit 0 first.
    public var description: String {
        String((0..<count).map { self[$0] ? "1" : "0" })
    }

    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool {
        if lhs.count != rhs.count { return lhs.count < rhs.count }
        for i in stride(from: lhs.words.count - 1, through: 0, by: -1) where lhs.words[i] != rhs.words[i] {
            return lhs.words[i] < rhs.words[i]
        }
        return false
    }
}
