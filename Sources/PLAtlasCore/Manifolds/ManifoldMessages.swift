/// The compact wire format of the distributed manifold construction: a stream of 64-bit words
/// (region-code words as they are, coordinates as the bit patterns of their Doubles), used for
/// the all-to-all exchanges between rounds, for handing regions to a new owner, and in
/// checkpoint files. Every record starts with [tag, manifold index]; the sizes that follow are
/// word counts, so a reader can skip what it does not need.
///
///     arrival  [1, manifold, destination (w), source (w), generation, n, b, hasNormal, points (n M), basis (b M), normal (M)?,
///               from (sheet id), cyclePoint, a, ancestors (a w)]
///     sheet    [2, manifold, region (w), generation, n, b, hasNormal, origin (M), basis (b M), support (n M), normal (M)?,
///               ordinal, parent (sheet id), cyclePoint, a, ancestors (a w)]
///     example  [3, manifold, region (w), generation, M, point (M), bytes, text (ceil(bytes / 8))]
///
/// A sheet id is [has, region (w), ordinal] (has = 0: none, region and ordinal zero). `source`
/// of an arrival is the region that sent it (the order key of the serial driver).
/// w = words per region code, M = the state dimension; both sides know them from the model.
public struct ManifoldMessages: Sendable {
    public let units: Int
    public let dimension: Int
    public var wordsPerCode: Int { RegionCode.wordCount(units) }

    public init(units: Int, dimension: Int) {
        self.units = units
        self.dimension = dimension
    }

    enum Tag: UInt64 { case arrival = 1, sheet = 2, example = 3 }

    /// One decoded record.
    public enum Record {
        case arrival(manifold: Int, destination: RegionCode, source: RegionCode, Arrival)
        case sheet(manifold: Int, Sheet)
        case example(manifold: Int, generation: Int, region: RegionCode, point: [Double], problem: String)
    }

    public struct DecodingError: Error, CustomStringConvertible {
        public var description: String
    }

    // MARK: Encoding

    public func appendArrival(_ a: Arrival, manifold: Int, destination: RegionCode, source: RegionCode, to out: inout [UInt64]) {
        out.append(Tag.arrival.rawValue)
        out.append(UInt64(manifold))
        out += destination.words
        out += source.words
        out.append(UInt64(a.generation))
        out.append(UInt64(a.points.count))
        out.append(UInt64(a.basis.count))
        out.append(a.normal == nil ? 0 : 1)
        for p in a.points { Self.appendDoubles(p, to: &out) }
        for q in a.basis { Self.appendDoubles(q, to: &out) }
        if let n = a.normal { Self.appendDoubles(n, to: &out) }
        appendID(a.source, to: &out)
        out.append(UInt64(a.cyclePoint))
        appendCodes(a.ancestors, to: &out)
    }

    func appendID(_ id: SheetID?, to out: inout [UInt64]) {
        out.append(id == nil ? 0 : 1)
        out += (id?.region ?? RegionCode(count: units)).words
        out.append(UInt64(id?.ordinal ?? 0))
    }

    func appendCodes(_ codes: [RegionCode], to out: inout [UInt64]) {
        out.append(UInt64(codes.count))
        for c in codes { out += c.words }
    }

    public func appendSheet(_ s: Sheet, manifold: Int, to out: inout [UInt64]) {
        out.append(Tag.sheet.rawValue)
        out.append(UInt64(manifold))
        out += s.region.words
        out.append(UInt64(s.generation))
        out.append(UInt64(s.supportPoints.count))
        out.append(UInt64(s.basis.count))
        out.append(s.normal == nil ? 0 : 1)
        Self.appendDoubles(s.origin, to: &out)
        for q in s.basis { Self.appendDoubles(q, to: &out) }
        for p in s.supportPoints { Self.appendDoubles(p, to: &out) }
        if let n = s.normal { Self.appendDoubles(n, to: &out) }
        out.append(UInt64(s.ordinal))
        appendID(s.parent, to: &out)
        out.append(UInt64(s.cyclePoint))
        appendCodes(s.ancestors, to: &out)
    }

    public func appendExample(manifold: Int, generation: Int, region: RegionCode, point: [Double], problem: String, to out: inout [UInt64]) {
        out.append(Tag.example.rawValue)
        out.append(UInt64(manifold))
        out += region.words
        out.append(UInt64(generation))
        out.append(UInt64(point.count))
        Self.appendDoubles(point, to: &out)
        let bytes = Array(problem.utf8)
        out.append(UInt64(bytes.count))
        var word: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            word |= UInt64(byte) << UInt64(8 * (i % 8))
            if i % 8 == 7 { out.append(word); word = 0 }
        }
        if bytes.count % 8 != 0 { out.append(word) }
    }

    public static func appendDoubles(_ values: [Double], to out: inout [UInt64]) {
        for v in values { out.append(v.bitPattern) }
    }

    // MARK: Decoding

    /// Every record of a word stream, in order.
    public func decode(_ words: [UInt64]) throws(DecodingError) -> [Record] {
        var records: [Record] = []
        var reader = Reader(words: words, messages: self)
        while !reader.atEnd { records.append(try reader.record()) }
        return records
    }

    struct Reader {
        let words: [UInt64]
        let messages: ManifoldMessages
        var position = 0

        var atEnd: Bool { position >= words.count }

        mutating func word() throws(DecodingError) -> UInt64 {
            guard position < words.count else { throw DecodingError(description: "manifold message ends inside a record") }
            position += 1
            return words[position - 1]
        }

        mutating func count(limit: Int = 1 << 40) throws(DecodingError) -> Int {
            let w = try word()
            guard w <= UInt64(limit) else { throw DecodingError(description: "manifold message has an impossible count \(w)") }
            return Int(w)
        }

        mutating func code() throws(DecodingError) -> RegionCode {
            var ws: [UInt64] = []
            for _ in 0..<messages.wordsPerCode { ws.append(try word()) }
            guard let c = RegionCode(words: ws, count: messages.units) else { throw DecodingError(description: "manifold message has an invalid region code") }
            return c
        }

        mutating func id() throws(DecodingError) -> SheetID? {
            let has = try word()
            let region = try code()
            let ordinal = try count()
            return has == 0 ? nil : SheetID(region: region, ordinal: ordinal)
        }

        mutating func codes() throws(DecodingError) -> [RegionCode] {
            let n = try count(limit: 1 << 24)
            var out: [RegionCode] = []
            for _ in 0..<n { out.append(try code()) }
            return out
        }

        mutating func doubles(_ n: Int) throws(DecodingError) -> [Double] {
            guard position + n <= words.count else { throw DecodingError(description: "manifold message ends inside a record") }
            let out = words[position..<(position + n)].map { Double(bitPattern: $0) }
            position += n
            return out
        }

        mutating func vectors(_ n: Int) throws(DecodingError) -> [[Double]] {
            var out: [[Double]] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try doubles(messages.dimension)) }
            return out
        }

        mutating func record() throws(DecodingError) -> Record {
            let raw = try word()
            guard let tag = Tag(rawValue: raw) else { throw DecodingError(description: "manifold message has an unknown record tag \(raw)") }
            let manifold = try count(limit: 1 << 20)
            switch tag {
            case .arrival:
                let destination = try code(), source = try code()
                let generation = try count(), n = try count(), b = try count(), hasNormal = try word()
                let points = try vectors(n), basis = try vectors(b)
                let normal = hasNormal != 0 ? try doubles(messages.dimension) : nil
                let from = try id(), cyclePoint = try count(limit: 1 << 40), ancestors = try codes()
                return .arrival(manifold: manifold, destination: destination, source: source,
                                Arrival(points: points, basis: basis, normal: normal, generation: generation, source: from,
                                        ancestors: ancestors, cyclePoint: cyclePoint))
            case .sheet:
                let region = try code()
                let generation = try count(), n = try count(), b = try count(), hasNormal = try word()
                let origin = try doubles(messages.dimension)
                let basis = try vectors(b), support = try vectors(n)
                let normal = hasNormal != 0 ? try doubles(messages.dimension) : nil
                let ordinal = try count(), parent = try id(), cyclePoint = try count(limit: 1 << 40), ancestors = try codes()
                return .sheet(manifold: manifold, Sheet(region: region, origin: origin, basis: basis, supportPoints: support,
                                                        normal: normal, generation: generation, ordinal: ordinal, parent: parent,
                                                        ancestors: ancestors, cyclePoint: cyclePoint))
            case .example:
                let region = try code()
                let generation = try count(), m = try count(limit: 1 << 24)
                let point = try doubles(m)
                let bytes = try count(limit: 1 << 16)
                var text: [UInt8] = []
                for _ in 0..<((bytes + 7) / 8) {
                    let w = try word()
                    for k in 0..<8 where text.count < bytes { text.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * k))) }
                }
                return .example(manifold: manifold, generation: generation, region: region, point: point,
                                problem: String(decoding: text, as: UTF8.self))
            }
        }
    }
}
