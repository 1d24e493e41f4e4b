import Testing
@testable import PLAtlasCore

struct RegionCodeTests {
    @Test func codesBeyondSixtyFourUnits() {
        var code = RegionCode(count: 130)
        code[0] = true
        code[64] = true
        code[129] = true
        #expect(code.words.count == 3)
        #expect(code.activeCount == 3)
        #expect(code[129] && !code[128])
        #expect(RegionCode(code.description) == code)
        #expect(code.flipping(129).activeCount == 2)
        #expect(code.hammingDistance(to: RegionCode(count: 130)) == 3)
        #expect(RegionCode(words: code.words, count: 130) == code)
        #expect(RegionCode(words: [0, 0, 1 << 5], count: 130) == nil, "bits above count must be rejected")
    }

    @Test func indexEnumeratesEveryCodeOnce() {
        let codes = Set((0..<UInt64(32)).map { RegionCode(index: $0, count: 5) })
        #expect(codes.count == 32)
        #expect(RegionCode(index: 0b10110, count: 5).description == "01101")
    }

    @Test func orderIsTotalAndConsistentWithEquality() {
        let a = RegionCode(index: 3, count: 70), b = RegionCode(index: 5, count: 70)
        var c = RegionCode(count: 70)
        c[65] = true
        #expect(a < b && b < c && a < c)
        #expect(!(a < a))
    }
}
