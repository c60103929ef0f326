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
//   FermiGlassCLI          the `fermiglass` commands (swift-argument-parser)
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
        .target(name: "FermiGlassIO"),
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
        .executableTarget(name: "fermiglass", dependencies: ["FermiGlassCLI"]),
        .target(
            name: "FermiGlass",
            dependencies: [
                "FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables",
                "FermiGlassInteracting", "FermiGlassStudies",
            ]),
        // The README's "As a library" example, built with the package and run by a test.
        .executableTarget(name: "fermiglass-library-example", dependencies: ["FermiGlass"], path: "Examples/LibraryExample"),

        // MARK: Tests
        .testTarget(name: "FermiGlassModelTests", dependencies: ["FermiGlassModel", "FermiGlassIO"]),
        .testTarget(
            name: "FermiGlassSolversTests",
            dependencies: ["FermiGlassModel", "FermiGlassSolvers", "_FermiGlassKernels", "CLAPACK"]),
        .testTarget(
            name: "FermiGlassObservablesTests",
            dependencies: ["FermiGlassModel", "FermiGlassSolvers", "FermiGlassObservables"]),
        .testTarget(
            name: "FermiGlassInteractingTests",
            dependencies: [
                "FermiGlassModel", "FermiGlassSolvers", "FermiGlassObservables", "FermiGlassInteracting",
            ]),
        .testTarget(
            name: "FermiGlassCLITests",
            dependencies: ["fermiglass", "fermiglass-library-example", "FermiGlass"]),
    ],
    swiftLanguageModes: [.v5]
)
