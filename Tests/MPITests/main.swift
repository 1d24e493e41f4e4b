// platlas-mpi-tests: the multi-rank test driver, run by Tests/mpi/run.sh as
//     mpirun -np N platlas-mpi-tests --workdir DIR [--with-failing-case] [--only TEXT]
// (--only: just the cases whose name contains TEXT)
// Every rank runs every case and counts its failures; the counts are summed over ranks and
// rank 0 prints each failure with its rank, then `mpi tests (N ranks): X passed, Y failed`.
// Exit status 0 if every case passed, 1 otherwise (an error thrown inside a case aborts the
// job with a message naming the rank, since the other ranks may be waiting in a collective).
// `--with-failing-case` adds a case that fails on odd ranks (on rank 0 when alone), so that
// run.sh can check the harness itself reports failures.
import Foundation
import MPI

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: platlas-mpi-tests --workdir DIR [--with-failing-case] [--only TEXT]\n".utf8))
    exit(2)
}

// Arguments are checked before MPI starts, so a bad command line exits cleanly on every rank.
var arguments = CommandLine.arguments.dropFirst()
var workdir: String?
var withFailingCase = false
var only: String?
while let argument = arguments.popFirst() {
    switch argument {
    case "--workdir":
        guard let value = arguments.popFirst() else { usage() }
        workdir = value
    case "--with-failing-case": withFailingCase = true
    case "--only":
        guard let value = arguments.popFirst() else { usage() }
        only = value
    case "-h", "--help": usage()
    default: usage()
    }
}
guard let workdir else { usage() }

let failed = withMPI { world in
    if world.isRoot { try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true) }
    try world.barrier()
    let all = communicatorCases + parallelHDF5Cases + cycleCases + sweepCases + manifoldCases + basinsCases + reductionCases + (withFailingCase ? [deliberateFailure] : [])
    let cases = all.filter { only == nil || $0.name.contains(only!) }
    return try runTestCases(cases, world: world, workdir: workdir)
}
exit(failed == 0 ? 0 : 1)
