import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation
import Testing

/// The benchmark harness's arithmetic and file formats; nothing here is timed.
@Suite struct ScalingFitTests {
    @Test func powerLawFitRecoversAKnownExponentAndPrefactor() throws {
        let sizes = [100.0, 400, 900, 1600, 3600]
        let times = sizes.map { 2.5e-9 * pow($0, 3) }
        let fit = try #require(PowerLawFit.fit(sizes: sizes, times: times))
        #expect(abs(fit.exponent - 3) < 1e-12)
        #expect(abs(fit.prefactor / 2.5e-9 - 1) < 1e-10)
        #expect(fit.points == 5)
        #expect(abs(fit.predict(10_000) / (2.5e-9 * 1e12) - 1) < 1e-10)
    }

    @Test func powerLawFitAveragesSymmetricNoiseAndSkipsMissingTimes() throws {
        // Factors e^{+d} and e^{-d} alternate on pairs of equal size: the least-squares slope
        // through the pair means is exactly the underlying 1.5.
        let sizes = [64.0, 64, 256, 256, 1024, 1024, 4096]
        let noise = [exp(0.2), exp(-0.2), exp(0.2), exp(-0.2), exp(0.2), exp(-0.2), 1]
        var times = zip(sizes, noise).map { 1e-6 * pow($0.0, 1.5) * $0.1 }
        times.append(0)  // a phase that did not run at this size
        let fit = try #require(PowerLawFit.fit(sizes: sizes + [16384], times: times))
        #expect(abs(fit.exponent - 1.5) < 1e-12)
        #expect(fit.points == 7)
    }

    @Test func powerLawFitNeedsTwoDistinctSizes() {
        #expect(PowerLawFit.fit(sizes: [100], times: [1]) == nil)
        #expect(PowerLawFit.fit(sizes: [100, 100], times: [1, 2]) == nil)
        #expect(PowerLawFit.fit(sizes: [100, 200], times: [1, 0]) == nil)
    }

    @Test func crossoverOfTwoPowerLaws() throws {
        // dense 1e-9 N^3, sparse 1e-6 N^1.5: they meet at N* = (1e3)^(1/1.5) = 100.
        let sizes = [25, 64, 144, 400]
        let dense = Dictionary(uniqueKeysWithValues: sizes.map { ($0, 1e-9 * pow(Double($0), 3)) })
        let sparse = Dictionary(uniqueKeysWithValues: (sizes + [10_000]).map { ($0, 1e-6 * pow(Double($0), 1.5)) })
        let c = Crossover.find(dense: dense, sparse: sparse)
        #expect(c.lastDenseWin == 64)
        #expect(c.firstSparseWin == 144)
        let n = try #require(c.fittedSites)
        #expect(abs(n - 100) < 1e-9)
    }

    @Test func crossoverWhenOnePathWinsEverywhere() {
        let c = Crossover.find(dense: [10: 1, 20: 2], sparse: [10: 5, 20: 6])
        #expect(c.lastDenseWin == 20)
        #expect(c.firstSparseWin == nil)
        let s = Crossover.find(dense: [10: 5, 20: 6], sparse: [10: 1, 20: 2])
        #expect(s.lastDenseWin == nil)
        #expect(s.firstSparseWin == 10)
    }

    @Test func timingSummaryOrderStatistics() {
        let odd = TimingSummary([3, 1, 2])
        #expect(odd.min == 1 && odd.median == 2 && odd.max == 3 && odd.repeats == 3)
        #expect(TimingSummary([4, 1, 3, 2]).median == 2.5)
    }

    @Test func chiWindowIsCentredOnTheFermiIndexAndClipped() {
        let bench = PipelineBench(chiStates: 200)
        // 60 x 60 at filling 5/6: 3000 particles, Fermi index 1500 -> levels 1400..<1600.
        #expect(bench.chiWindow(sites: 3600) == 1400..<1600)
        // Fewer sites than the window: every state.
        #expect(bench.chiWindow(sites: 100) == 0..<100)
    }
}

@Suite struct CSRExportTests {
    func hamiltonian() throws -> CSRMatrix {
        let lattice = try Lattice(lx: 5, ly: 4, boundaryX: .periodic, boundaryY: .open)
        let params = ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0.25)
        return try DisorderedModel(lattice: lattice, parameters: params, seed: 7, realization: 3).hamiltonian()
    }

    @Test func npzRoundTripsEntryForEntry() throws {
        let h = try hamiltonian()
        let back = try CSRExport.csr(fromNPZ: CSRExport.npz(h))
        #expect(back == h)
    }

    @Test func npzMembersDecodeAsNPYWithScipyNames() throws {
        let h = try hamiltonian()
        let members = try NPZ.decode(CSRExport.npz(h))
        #expect(members.map(\.name) == ["data", "indices", "indptr", "shape", "format"])
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.npy) })
        let data = try NPY.decode(byName["data"]!)
        #expect(data.shape == [h.nonzeroCount] && data.values == h.values)
        #expect(try NPY.decode(byName["indices"]!).values == h.columnIndices.map(Double.init))
        #expect(try NPY.decode(byName["indptr"]!).values == h.rowPointers.map(Double.init))
        #expect(try NPY.decode(byName["shape"]!).values == [20, 20])
        let format = String(decoding: byName["format"]!, as: UTF8.self)
        #expect(format.contains("'descr': '<U3'") && format.contains("'shape': ()"))
        // The separate .npy files are the same arrays.
        let files = Dictionary(uniqueKeysWithValues: CSRExport.npyFiles(h).map { ($0.name, $0.npy) })
        for name in ["data", "indices", "indptr", "shape"] { #expect(files[name] == byName[name]) }
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(NPZ.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func int32IndexArraysAsScipyWritesThem() throws {
        // A hand-built <i4 .npy: header padded to a multiple of 64 bytes, then 3 int32 values.
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var npy = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0]) + Data(header.utf8)
        for v: Int32 in [0, -2, 70000] { withUnsafeBytes(of: v.littleEndian) { npy.append(contentsOf: $0) } }
        #expect(try NPY.decode(npy).values == [0, -2, 70000])
    }

    @Test func aBrokenStructureIsAnErrorNotACrash() throws {
        let npz = try NPZ.encodeCSR(rows: 2, columns: 2, indptr: [0, 2, 1], indices: [0, 1], data: [1, 2])
        #expect(throws: IOError.self) { try CSRExport.csr(fromNPZ: npz, source: "bad.npz") }
        let outOfRange = try NPZ.encodeCSR(rows: 2, columns: 2, indptr: [0, 1, 2], indices: [0, 5], data: [1, 2])
        do {
            _ = try CSRExport.csr(fromNPZ: outOfRange, source: "bad.npz")
            Issue.record("an out-of-range column was accepted")
        } catch let e as IOError {
            #expect(e.description.contains("bad.npz") && e.description.contains("column 5 out of range"))
        }
        #expect(throws: IOError.self) { try NPZ.decode(Data("not a zip at all, just some text".utf8)) }
    }
}

@Suite struct BenchCommandTests {
    /// The `fermiglass` executable beside the test bundle.
    static var binary: URL {
        let dir = Bundle.main.bundleURL
        let candidates = [dir.appendingPathComponent("fermiglass"),
                          dir.deletingLastPathComponent().appendingPathComponent("fermiglass")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
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
