import MPI

/// What one rank saw go wrong in one test case.
final class Expectations {
    private(set) var failures: [String] = []
    private(set) var checks = 0

    /// Records a failure unless `condition` holds.
    func expect(_ condition: Bool, _ message: @autoclosure () -> String, line: Int = #line) {
        checks += 1
        if !condition { failures.append("\(message()) (line \(line))") }
    }

    /// Records a failure unless `actual == expected`, showing both.
    func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String, line: Int = #line) {
        expect(actual == expected, "\(what): got \(actual), expected \(expected)", line: line)
    }
}

/// A named multi-rank test. Every rank runs `body`; collectives inside it must be reached by
/// all ranks, so a thrown error ends the whole job (see `withMPI`) instead of being counted.
struct TestCase {
    let name: String
    let body: (_ world: Communicator, _ workdir: String, _ expect: Expectations) throws -> Void
}

/// An error thrown inside a test case, named after it.
struct TestCaseError: Error, CustomStringConvertible {
    let testCase: String
    let underlying: any Error
    var description: String { "test case '\(testCase)' threw: \(underlying)" }
}

/// Runs every case on every rank; rank 0 prints each failure with the rank that saw it and
/// the summary line. Returns the number of failed cases (the same on every rank).
func runTestCases(_ cases: [TestCase], world: Communicator, workdir: String) throws -> Int {
    var passed = 0, failed = 0
    for testCase in cases {
        let expectations = Expectations()
        do {
            try testCase.body(world, workdir, expectations)
        } catch {
            throw TestCaseError(testCase: testCase.name, underlying: error)
        }
        let failures = try world.allReduce(expectations.failures.count, .sum)
        if failures == 0 {
            passed += 1
            continue
        }
        failed += 1
        let lines = expectations.failures.map { "FAIL \(testCase.name) [rank \(world.rank)]: \($0)\n" }.joined()
        let gathered = try world.allGatherv(Array(lines.utf8))
        if world.isRoot { print(String(decoding: gathered.values, as: UTF8.self), terminator: "") }
    }
    if world.isRoot { print("mpi tests (\(world.size) ranks): \(passed) passed, \(failed) failed") }
    return failed
}

/// Fails on every odd rank (on rank 0 when it is alone): shows the harness reports failures.
var deliberateFailure: TestCase { TestCase(name: "harness: deliberate failure") { world, _, expect in
    let fails = world.size == 1 || world.rank % 2 == 1
    expect.expect(!fails, "failing on purpose")
} }
