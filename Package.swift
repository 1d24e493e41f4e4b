// swift-tools-version:6.0
// The platlas package. Layers, from the bottom up (see docs/architecture.md):
//   CMPI, CHDF5, CLAPACK      system libraries: a module map and a shim header each
//   MPI, HDF5, LinearAlgebra  thin Swift wrappers over them
//   PLAtlasCore               the science (imports neither MPI nor HDF5)
//   PLAtlasIO                 model files and the HDF5 result schema
//   PLAtlasCluster            distribution over MPI ranks
//   platlas                   the command line
import PackageDescription

let package = Package(
    name: "platlas",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "platlas", targets: ["platlas"]),
        .library(name: "PLAtlasCore", targets: ["PLAtlasCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries, from Debian's packages (see docs/architecture.md).
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-openmpi",
                       providers: [.apt(["libhdf5-openmpi-dev"])]),
        .systemLibrary(name: "CLAPACK", pkgConfig: "lapacke",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        // Thin wrappers.
        .target(name: "MPI", dependencies: ["CMPI"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "CMPI", "MPI"]),
        .target(name: "LinearAlgebra",
                dependencies: ["CLAPACK", .product(name: "ComplexModule", package: "swift-numerics")]),

        // The science.
        .target(name: "PLAtlasCore",
                dependencies: ["LinearAlgebra", .product(name: "Numerics", package: "swift-numerics")]),
        // Files: models in, results out.
        .target(name: "PLAtlasIO", dependencies: ["PLAtlasCore", "HDF5", "MPI", "LinearAlgebra",
                                              .product(name: "TOMLKit", package: "TOMLKit")]),
        // Distribution over ranks.
        .target(name: "PLAtlasAnalyses", dependencies: ["PLAtlasCore", "PLAtlasIO", "HDF5", "LinearAlgebra"]),
        .target(name: "PLAtlasCluster", dependencies: ["PLAtlasCore", "PLAtlasIO", "MPI", "HDF5"]),
        // The command line.
        .executableTarget(name: "platlas",
                          dependencies: ["PLAtlasCore", "PLAtlasIO", "PLAtlasAnalyses", "PLAtlasCluster", "MPI", "HDF5",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "TOMLKit", package: "TOMLKit")]),
        // Multi-rank test driver, run under mpirun by Tests/mpi/run.sh.
        .executableTarget(name: "platlas-mpi-tests",
                          dependencies: ["PLAtlasCore", "PLAtlasIO", "PLAtlasAnalyses", "PLAtlasCluster", "MPI", "HDF5"],
                          path: "Tests/MPITests"),

        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "PLAtlasCoreTests", dependencies: ["PLAtlasCore", "LinearAlgebra", .product(name: "Numerics", package: "swift-numerics")]),
        .testTarget(name: "PLAtlasIOTests", dependencies: ["PLAtlasIO", "PLAtlasAnalyses", "PLAtlasCore", "HDF5", "MPI"]),
        .testTarget(name: "CLITests", dependencies: ["PLAtlasIO", "PLAtlasCore", "HDF5"]),
    ],
    swiftLanguageModes: [.v6]
)
