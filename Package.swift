// swift-tools-version:6.0
//
// FermiGlass: disordered, weakly interacting electrons on large lattices.
//
// The targets follow the numerical pipeline, each layer depending only on the ones above it:
//
//   FermiGlassModel        lattice, t-t'-W model, disorder, CSR Hamiltonian       (pure Swift)
//   FermiGlassIO           .npy / CSV / JSON output, atomic writes, provenance   (pure Swift)
//   FermiGlassSolvers      dense LAPACKE, MUMPS / CHOLMOD LDL^T, shift-invert Lanczos,
//                          inertia counts, spectrum slicing                     (the only C users)
//   FermiGlassObservables  IPR, localization length, DOS, overlaps chi_ac
//   FermiGlassInteracting  first-order energy, Monte Carlo, census, Hartree-Fock
//   FermiGlassStudies      reproduction of the paper, sweeps, scaling
//   FermiGlass             the umbrella module: one `import` for library users
//   FermiGlassCLI          the `fermiglass` commands (swift-argument-parser)
//
// Beside the pipeline, not exported by the `FermiGlass` library product:
//   FermiGlassBench        timings of the pipeline's phases, the crossover, memory bandwidth,
//                          patch decay (its own product, for the suites under Benchmarks/)
//   FermiGlassBenchCommands  `fermiglass bench ...` and `dense-benchmark`, added to the CLI by
//                          the `fermiglass` executable
//
// C libraries come in through system-library targets (CLAPACK, CCHOLMOD, CMUMPS, CARPACK), and
// FermiGlass's own C kernels through _FermiGlassKernels; the Debian
// packages they need are installed by scripts/setup.sh (SwiftPM's `providers:` installs nothing).
import PackageDescription

/// Invariant checks (CSR structure, symmetric assembly, ...) are compiled in with
/// `-Xswiftc -DFERMIGLASS_INTERNAL_CHECKS`, or always in debug builds.
var invariantChecks: [SwiftSetting] {
    [.define("FERMIGLASS_INTERNAL_CHECKS", .when(configuration: .debug))]
}

let package = Package(
    name: "FermiGlass",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fermiglass", targets: ["fermiglass"]),
        // One import for library users: the umbrella module re-exports every layer.
        .library(name: "FermiGlass", targets: ["FermiGlass"]),
        // The benchmark harness (Benchmarks/ and `fermiglass bench`); not part of `FermiGlass`.
        .library(name: "FermiGlassBench", targets: ["FermiGlassBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries (system-library targets; only FermiGlassSolvers imports them)
        .systemLibrary(name: "CLAPACK", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CCHOLMOD", providers: [.apt(["libsuitesparse-dev"])]),
        .systemLibrary(name: "CMUMPS", providers: [.apt(["libmumps-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CARPACK", pkgConfig: "arpack", providers: [.apt(["libarpack2-dev"])]),
        // FermiGlass's own C kernels (the interleaved LDL^T solve), behind an underscored target.
        .target(name: "_FermiGlassKernels"),

        // MARK: The pipeline
        .target(name: "FermiGlassModel", swiftSettings: invariantChecks),
        .target(name: "FermiGlassIO", dependencies: ["FermiGlassModel"]),
        .target(
            name: "FermiGlassSolvers",
            dependencies: ["FermiGlassModel", "CLAPACK", "CCHOLMOD", "CMUMPS", "CMPI", "CARPACK", "_FermiGlassKernels"],
            swiftSettings: invariantChecks),
        .target(name: "FermiGlassObservables", dependencies: ["FermiGlassModel", "FermiGlassSolvers"]),
        .target(
            name: "FermiGlassInteracting",
            dependencies: ["FermiGlassModel", "FermiGlassSolvers", "FermiGlassObservables"]),
        .target(
            name: "FermiGlassStudies",
            dependencies: [
                "FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables",
                "FermiGlassInteracting",
            ]),
        .target(
            name: "FermiGlassCLI",
            dependencies: [
                "FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables",
                "FermiGlassInteracting", "FermiGlassStudies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "fermiglass", dependencies: ["FermiGlassCLI", "FermiGlassBenchCommands"]),
        .target(
            name: "FermiGlass",
            dependencies: [
                "FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables",
                "FermiGlassInteracting", "FermiGlassStudies",
            ]),

        // MARK: Benchmarks (not exported by the library product)
        .target(
            name: "FermiGlassBench",
            dependencies: ["FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables", "FermiGlassStudies"]),
        .target(
            name: "FermiGlassBenchCommands",
            dependencies: [
                "FermiGlassBench", "FermiGlassCLI", "FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers",
                "FermiGlassObservables", "FermiGlassStudies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // The README's "As a library" example, built with the package and run by a test.
        .executableTarget(name: "fermiglass-library-example", dependencies: ["FermiGlass"], path: "Examples/LibraryExample"),

        // MARK: Tests: one target per layer; shared fixtures and the `.slow` marker in
        // FermiGlassTestSupport. `swift test` runs everything; the fast set (about a minute)
        // leaves out what is marked `.slow`:  FERMIGLASS_FAST_TESTS=1 swift test
        .target(name: "FermiGlassTestSupport", dependencies: ["FermiGlassModel", "FermiGlassIO"], path: "Tests/FermiGlassTestSupport"),
        .testTarget(name: "FermiGlassModelTests", dependencies: ["FermiGlassModel", "FermiGlassTestSupport"]),
        .testTarget(name: "FermiGlassIOTests", dependencies: ["FermiGlassIO", "FermiGlassTestSupport"]),
        .testTarget(
            name: "FermiGlassSolversTests",
            dependencies: ["FermiGlassModel", "FermiGlassSolvers", "_FermiGlassKernels", "CLAPACK", "FermiGlassTestSupport"]),
        .testTarget(
            name: "FermiGlassObservablesTests",
            dependencies: ["FermiGlassModel", "FermiGlassSolvers", "FermiGlassObservables", "FermiGlassTestSupport"]),
        .testTarget(
            name: "FermiGlassInteractingTests",
            dependencies: [
                "FermiGlassModel", "FermiGlassSolvers", "FermiGlassObservables", "FermiGlassInteracting", "FermiGlassTestSupport",
            ]),
        .testTarget(name: "FermiGlassStudiesTests", dependencies: ["FermiGlass", "FermiGlassTestSupport"]),
        .testTarget(name: "FermiGlassBenchTests", dependencies: ["FermiGlassBench", "FermiGlass", "FermiGlassTestSupport"]),
        .testTarget(
            name: "FermiGlassCLITests",
            dependencies: ["fermiglass", "fermiglass-library-example", "FermiGlass", "FermiGlassTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
