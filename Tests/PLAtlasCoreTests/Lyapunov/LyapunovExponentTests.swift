import Foundation
import LinearAlgebra
import Testing
@testable import PLAtlasCore

@Suite("Lyapunov exponents")
struct LyapunovExponentTests {
    /// A PLRNN with W = 0 is the affine map z' = A z + h: one region, exponents log |eig A|.
    static func affine(_ a: [[Double]], h: [Double]) -> ShallowForm {
        let m = a.count
        return try! Model(kind: .plrnn, parameters: [
            "A": Parameter(name: "A", shape: [m, m], values: a.flatMap { $0 }),
            "W": Parameter(name: "W", shape: [m, m], values: [Double](repeating: 0, count: m * m)),
            "h": Parameter(name: "h", shape: [m], values: h),
        ]).shallowForm()
    }

    @Test func linearMapGivesLogEigenvalueModuli() throws {
        let a: [[Double]] = [[0.9, 0.2, 0.0], [0.0, 0.5, 0.1], [0.0, 0.0, -1.3]]
        let form = Self.affine(a, h: [0, 0, 0])
        let result = lyapunovExponents(of: form, from: [0.3, -0.2, 0.1],
                                       options: LyapunovOptions(transient: 0, steps: 400, divergenceBound: 1e300))
        let expected = [log(1.3), log(0.9), log(0.5)]
        for (x, y) in zip(result.exponents, expected) { #expect(abs(x - y) < 1e-2, "\(result.exponents) vs \(expected)") }
    }

    @Test func complexPairSharesItsModulus() throws {
        // Rotation by 0.7 rad scaled by 0.8: both exponents log 0.8.
        let r = 0.8, t = 0.7
        let form = Self.affine([[r * cos(t), -r * sin(t)], [r * sin(t), r * cos(t)]], h: [0, 0])
        let result = lyapunovExponents(of: form, from: [1, 0], options: LyapunovOptions(transient: 0, steps: 500))
        #expect(abs(result.exponents[0] - log(0.8)) < 1e-9)
        #expect(abs(result.exponents[1] - log(0.8)) < 1e-9)
    }

    @Test func tentMapHasExponentLogTwo() throws {
        // z' = 2 z - 4 relu(z - 1/2) (h2 = -1/2): the full tent map on [0, 1], exponent log 2 for
        // almost every orbit. As a shPLRNN: A = 2, W1 = -4, W2 = 1, h1 = 0, h2 = -1/2.
        let model = try Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [2]),
            "W1": Parameter(name: "W1", shape: [1, 1], values: [-4]),
            "W2": Parameter(name: "W2", shape: [1, 1], values: [1]),
            "h1": Parameter(name: "h1", shape: [1], values: [0]),
            "h2": Parameter(name: "h2", shape: [1], values: [-0.5]),
        ])
        // |J| = 2 in both regions, so the exponent is log 2 exactly along any orbit.
        let result = largestLyapunovExponent(of: model.shallowForm(), from: [0.1234], transient: 10, steps: 1000)
        #expect(abs(result.largest - log(2)) < 1e-12)
    }

    @Test func knownPiecewiseMapAveragesItsRegions() throws {
        // z' = 0.5 z + relu(z) ... for z > 0: slope 1.5 would escape; instead use a 2-cycle:
        // z' = -2 z + 3 relu(z) - 0.5... Simpler: z' = 0.5 z (z <= 0), -0.25 z + ... Use the
        // skew tent map with slopes 3 and -1.5 on [0, 1] (break at 1/3): Lebesgue-invariant,
        // exponent (1/3) log 3 + (2/3) log 1.5.
        let model = try Model(kind: .shplrnn, parameters: [
            "A": Parameter(name: "A", shape: [1], values: [3]),
            "W1": Parameter(name: "W1", shape: [1, 1], values: [-4.5]),
            "W2": Parameter(name: "W2", shape: [1, 1], values: [1]),
            "h1": Parameter(name: "h1", shape: [1], values: [0]),
            "h2": Parameter(name: "h2", shape: [1], values: [-1.0 / 3.0]),
        ])
        let result = largestLyapunovExponent(of: model.shallowForm(), from: [0.2718], transient: 100, steps: 200_000)
        let expected = log(3) / 3 + 2 * log(1.5) / 3
        #expect(abs(result.largest - expected) < 2e-2, "\(result.largest) vs \(expected)")
    }

    @Test func divergingOrbitIsReported() {
        let form = Self.affine([[1.5]], h: [1])
        let result = lyapunovExponents(of: form, from: [1], options: LyapunovOptions(transient: 0, steps: 1000, divergenceBound: 1e6))
        #expect(result.diverged)
        #expect(result.largest.isNaN)
    }
}
