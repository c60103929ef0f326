import FermiGlass
import Foundation
import Testing
import FermiGlassTestSupport

/// The README's "As a library" example: the README shows the example file verbatim, the file
/// builds as part of the package, and what it prints agrees with an independent dense solve.
@Suite(.slow, .tags(.slow)) struct LibraryExampleTests {
    static let source = CLI.packageRoot.appendingPathComponent("Examples/LibraryExample/main.swift")

    @Test func readmeShowsTheExampleVerbatim() throws {
        let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let code = try String(contentsOf: Self.source, encoding: .utf8)
        #expect(readme.contains("```swift\n" + code + "```"))
    }

    @Test func exampleRunsAndPrintsTheDenseNumbers() throws {
        let exe = try #require(CLI.binary?.deletingLastPathComponent().appendingPathComponent("fermiglass-library-example"))
        let p = Process()
        p.executableURL = exe
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // Independently: every level of the same lattice by LAPACK.
        let lattice = try Lattice(lx: 60, ly: 60)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 1, realization: 0)
        let f = try Filling(particles: 3000, siteCount: 3600).fermiIndex
        let dense = try DenseEigensolver.solve(model.hamiltonian(), selection: .levels((f - 100)..<(f + 100)))
        let ef = 0.5 * (dense.values[99] + dense.values[100])
        let lloc = Localization.length(ipr: Localization.ipr(dense))
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(out)")
        let printedEF = Double(lines[0].split(separator: ",")[0].dropFirst("E_F = ".count))!
        #expect(abs(printedEF - ef) < 1e-10)
        #expect(lines[0].hasSuffix("states = 200, certified = true"))
        let printedL = Double(lines[1].dropFirst("L_loc of the window states = ".count))!
        #expect(abs(printedL - lloc) < 1e-8)
    }
}
