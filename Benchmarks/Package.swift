// swift-tools-version: 6.1
//
// FermiGlass benchmarks: a nested package so that the root package (and CI's `swift test`)
// never builds ordo-one/package-benchmark. Run from this directory:
//
//     swift package benchmark                       # every suite
//     swift package benchmark --target DenseEigenpairs
//
// Each suite is an executable target under Benchmarks/<Suite>/ with the BenchmarkPlugin.
// See ../BENCHMARKS.md for the recorded numbers and how to regenerate them.
import Foundation
import PackageDescription

/// The parent package is referenced by path; its identity is its directory name, which differs
/// between checkouts (main, a worktree, CI's clone), so it is derived here.
let parent = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let suites = [
    "CSRAssembly", "DenseEigenpairs", "ChiConstruction", "LDLTFactorization", "ShiftInvertSolve", "SlicedWindow",
    "MonteCarloSweep",
]

let package = Package(
    name: "FermiGlassBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        // Trait list replaces the defaults: on Linux with Swift 6.3 the default
        // "RuntimeInterposer" trait pulls in a package that is not available here.
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Shared setup (model of the paper on L x L, one BLAS thread) and custom metrics.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "FermiGlass", package: parent),
                .product(name: "FermiGlassBench", package: parent),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ] + suites.map { suite in
        .executableTarget(
            name: suite,
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "FermiGlass", package: parent),
                .product(name: "FermiGlassBench", package: parent),
            ],
            path: "Benchmarks/\(suite)",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")])
    }
)
