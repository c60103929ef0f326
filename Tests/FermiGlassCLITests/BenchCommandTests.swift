import FermiGlass
import Foundation
import Testing
import FermiGlassTestSupport

/// `fermiglass bench`: export, solve, scaling and their refusals, through the binary.
@Suite(.slow, .tags(.slow)) struct BenchCommandTests {
    /// Runs the binary (``CLI/run(_:environment:)``); stdout and stderr together.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let r = try CLI.run(arguments)
        return (r.status, r.stdout + r.stderr)
    }

    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-bench-\(UUID().uuidString)")
    }

    @Test func exportThenSolveGivesEveryEigenpair() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let export = try run(["bench", "export", "--size", "5x4", "--t2", "0.6", "--W", "9", "--seed", "3",
                              "--output", dir.appendingPathComponent("m").path])
        #expect(export.status == 0, "\(export.output)")
        let npz = dir.appendingPathComponent("m/hamiltonian.npz")
        let h = try CSRExport.csr(fromNPZ: Data(contentsOf: npz))
        let lattice = try Lattice(lx: 5, ly: 4, boundary: .periodic)
        let expected = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9),
                                           seed: 3, realization: 0).hamiltonian()
        #expect(h == expected)
        for name in ["data", "indices", "indptr", "shape"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m/r000/\(name).npy").path))
        }
        let solve = try run(["bench", "solve", "--matrix", npz.path, "--repeats", "1", "--output", dir.appendingPathComponent("s").path])
        #expect(solve.status == 0, "\(solve.output)")
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("s/summary.json"), encoding: .utf8))
        #expect(summary["eigenpairs"]?.intValue == 20)
        #expect((summary["max_residual"]?.doubleValue ?? 1) < 1e-12)
        #expect(summary["provenance"]?["libraries"]?["openblas_core"]?.stringValue != nil)
    }

    @Test func scalingWritesTablesWithOneRowPerPhaseAndSize() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["bench", "scaling", "--sizes", "4,5", "--repeats", "1", "--output", dir.path])
        #expect(r.status == 0, "\(r.output)")
        let csv = try String(contentsOf: dir.appendingPathComponent("scaling.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "phase,Lx,Ly,sites,repeats,median_s,min_s,max_s,peak_rss_bytes,metrics")
        #expect(lines.count == 1 + 2 * 3)
        #expect(lines.filter { $0.hasPrefix("dense_all_eigenpairs,5,5,25,1,") }.count == 1)
        let exps = try String(contentsOf: dir.appendingPathComponent("exponents.csv"), encoding: .utf8)
        #expect(exps.split(separator: "\n").count == 1 + 3)
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["parameters"]?["W"]?.doubleValue == 9)  // --preset paper by default
        #expect(summary["crossover"]?["measured"] != nil)
    }

    @Test func shiftInvertSolveAgreesWithTheDenseSpectrum() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["bench", "export", "--size", "6", "--t2", "0.6", "--W", "9", "--output", dir.appendingPathComponent("m").path]).status == 0)
        let npz = dir.appendingPathComponent("m/hamiltonian.npz")
        let r = try run(["bench", "solve", "--matrix", npz.path, "--method", "shift-invert", "--k", "4", "--sigma=-1", "--tol", "1e-12",
                         "--repeats", "1", "--output", dir.appendingPathComponent("s").path])
        #expect(r.status == 0, "\(r.output)")
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("s/summary.json"), encoding: .utf8))
        #expect(summary["eigenpairs"]?.intValue == 4)
        #expect((summary["max_residual"]?.doubleValue ?? 1) < 1e-10)
        #expect((summary["factor_bytes_per_solve"]?.intValue ?? 0) > 0)
        // The four levels nearest -1 from the dense spectrum of the same matrix.
        let h = try CSRExport.csr(fromNPZ: Data(contentsOf: npz))
        let values = try FermiGlassSolvers.DenseEigensolver.solve(h, selection: .all, vectors: false).values
        let nearest = values.sorted { abs($0 + 1) < abs($1 + 1) }.prefix(4)
        #expect(abs(summary["lowest"]!.doubleValue! - nearest.min()!) < 1e-10)
        #expect(abs(summary["highest"]!.doubleValue! - nearest.max()!) < 1e-10)
    }

    @Test func scalingMeasuresTheCrossoverWhenBothPathsRun() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["bench", "scaling", "--sizes", "10,11", "--repeats", "1", "--chi-states", "8",
                         "--phases", "ldlt_analysis,ldlt_factorization,ldlt_solve,fermi_window_dense,fermi_window_sparse",
                         "--output", dir.path])
        #expect(r.status == 0, "\(r.output)")
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["crossover"]?["measured"]?.boolValue == true)
        #expect(summary["crossover"]?["sparse_phase"]?.stringValue == "fermi_window_sparse")
        let markdown = try String(contentsOf: dir.appendingPathComponent("scaling.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("| phase | p | L=10 (N=100) | L=11 (N=121) |"))
        #expect(markdown.contains("Crossover fermi_window_dense -> fermi_window_sparse"))
        // Re-analysis of the CSV reproduces it and the fits.
        let again = dir.appendingPathComponent("again")
        let r2 = try run(["bench", "scaling", "--from", dir.appendingPathComponent("scaling.csv").path, "--output", again.path])
        #expect(r2.status == 0, "\(r2.output)")
        #expect(try String(contentsOf: again.appendingPathComponent("scaling.csv"), encoding: .utf8)
                == String(contentsOf: dir.appendingPathComponent("scaling.csv"), encoding: .utf8))
        #expect(try String(contentsOf: again.appendingPathComponent("exponents.csv"), encoding: .utf8)
                == String(contentsOf: dir.appendingPathComponent("exponents.csv"), encoding: .utf8))
        let phases = Set(summary["measurements"]!.arrayValue!.compactMap { $0["phase"]?.stringValue })
        #expect(phases == ["ldlt_analysis", "ldlt_factorization", "ldlt_solve", "fermi_window_dense", "fermi_window_sparse"])
    }

    @Test func forceOverwritesAnEarlierRunsFiles() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for w in ["3", "5"] {
            let r = try run(["bench", "export", "--size", "4", "--W", w, "--output", dir.path, "--force"])
            #expect(r.status == 0, "\(r.output)")
        }
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["parameters"]?["W"]?.doubleValue == 5)
    }

    @Test func badLadderIsRefusedBeforeAnyOutput() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(["bench", "scaling", "--sizes", "10,x", "--output", dir.path])
        #expect(r.status == 64)
        #expect(r.output.contains("--sizes must be a comma-separated list of positive integers, got '10,x'"))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        let small = try run(["bench", "scaling", "--sizes", "2", "--output", dir.path])
        #expect(small.status == 64 && small.output.contains("L = 2 is too small"))
    }
}
