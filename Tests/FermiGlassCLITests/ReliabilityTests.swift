import Foundation
import Testing
import FermiGlassIO
import FermiGlassStudies
import FermiGlassTestSupport

/// Issue 21, the CLI part: memory plans before allocation, exit codes 3/4, merge completeness,
/// L_loc named by its definition, input-format messages, progress and layout.
@Suite(.slow, .tags(.slow)) struct ReliabilityTests {
    /// A fixed memory budget, so that the messages do not depend on the machine.
    static let budget = ["FERMIGLASS_MEMORY_LIMIT": "16G"]

    /// Runs with `--output DIR`; checks the exit status, that stderr contains `message`, and that
    /// nothing was written; returns the wall time.
    @discardableResult
    func refused(_ arguments: [String], _ message: String, status: Int32 = 64,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let dir = CLI.scratch("refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date()
        let r = try CLI.run(arguments + ["--output", dir.path], environment: Self.budget)
        let seconds = Date().timeIntervalSince(t0)
        #expect(r.status == status, "exit \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: dir.path), "left behind: \(CLI.files(in: dir))", sourceLocation: sourceLocation)
        return seconds
    }

    func summary(_ dir: URL) throws -> JSON {
        try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
    }

    // MARK: memory plan (item 5, 6, 7)

    @Test func hugeLatticesAreRefusedAtOnceOnEveryCommand() throws {
        let dense = "dense eigensolver (N x N matrix, eigenvectors and workspace)"
        let cases: [(String, [String], String)] = [
            ("spectrum", [], "spectrum needs more than 8 EiB of memory (dense eigensolver (N x N matrix): more than 8 EiB), but only 16.0 GiB is available; nothing was computed: use a smaller lattice or the shift-invert solver (--solver shift-invert with a window)"),
            ("localization", [], "localization needs more than 8 EiB of memory (\(dense): more than 8 EiB)"),
            ("dos", [], "dos needs more than 8 EiB of memory (dense eigensolver (N x N matrix): more than 8 EiB)"),
            ("matrix-elements", [], "matrix-elements needs more than 8 EiB of memory (\(dense): more than 8 EiB)"),
            ("ground-state", ["--filling", "0.8", "--U", "1"], "ground-state needs more than 8 EiB of memory (\(dense): more than 8 EiB)"),
            ("hartree-fock", ["--filling", "0.8", "--U", "1"], "hartree-fock needs more than 8 EiB of memory (\(dense): more than 8 EiB), but only 16.0 GiB is available; nothing was computed: use a smaller lattice"),
            ("linear-stability", ["--filling", "0.8", "--U", "1"], "linear-stability needs more than 8 EiB of memory (\(dense): more than 8 EiB)"),
        ]
        var slowest = 0.0
        for (command, extra, message) in cases {
            slowest = max(slowest, try refused([command, "--size", "100000"] + extra, message))
            slowest = max(slowest, try refused([command, "--size", "20000"] + extra, "\(command) needs about "))
        }
        // 20000 x 20000 on the sparse path: the LDL^T factor alone is 1.5 TiB.
        slowest = max(slowest, try refused(["localization", "--size", "20000", "--solver", "shift-invert", "--states", "0:10"],
                                           "localization needs about 1.7 TiB of memory (sparse LDL^T factor of H - sigma: about 1.5 TiB)"))
        slowest = max(slowest, try refused(["bench", "export", "--size", "100000"],
                                           "bench export needs about 4.2 TiB of memory (CSR encodings (.npz and .npy): about 2.8 TiB)"))
        let bench = try CLI.run(["dense-benchmark", "--size", "20000"], environment: Self.budget)
        #expect(bench.status == 64 && bench.stderr.contains("dense-benchmark needs about 3.3 EiB of memory"), "\(bench.stderr)")
        #expect(slowest < 2, "a refusal took \(slowest) s (process start included)")
    }

    @Test func tinyBinWidthIsRefusedBeforeAllocation() throws {
        try refused(["dos", "--size", "6", "--bin-width", "1e-12"],
                    "dos needs about 523.9 TiB of memory (DOS histogram (8e+12 bins of width 1e-12): about 523.9 TiB), but only 16.0 GiB is available; nothing was computed: use a larger --bin-width")
    }

    @Test func sweepChecksEveryUnitBeforeTheFirstRuns() throws {
        let dir = CLI.scratch("sweep-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let window = dir.appendingPathComponent("window.json"), memory = dir.appendingPathComponent("memory.json")
        try #"{"sizes": [6, 20], "W": [5], "U": [1], "fillings": [0.8], "realizations": 1, "window": "levels:300"}"#
            .write(to: window, atomically: true, encoding: .utf8)
        try #"{"sizes": [6, 400], "W": [5], "U": [1], "fillings": [0.8], "realizations": 2, "solver": "dense", "window": "levels:4"}"#
            .write(to: memory, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let a = try CLI.run(["sweep", window.path, "--output", out.path], environment: Self.budget)
        #expect(a.status == 64)
        #expect(a.stderr.contains("size 6, filling 0.8: window levels:300 needs levels -286..<314, outside the 36 levels 0..<36 of a 6 lattice"), "\(a.stderr)")
        let b = try CLI.run(["sweep", memory.path, "--output", out.path], environment: Self.budget)
        #expect(b.status == 64)
        #expect(b.stderr.contains("size 400 (solver dense) needs about 572.2 GiB of memory (dense eigensolver (N x N matrix, eigenvectors and workspace): about 572.2 GiB)"), "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func summaryRecordsThePlanAndTheStatus() throws {
        let dir = CLI.scratch("plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["spectrum", "--size", "6", "--quiet", "--output", dir.path])
        #expect(r.status == 0 && r.stderr.isEmpty, "--quiet printed: \(r.stderr)")
        let s = try summary(dir)
        #expect(s.objectValue?[1].0 == "status" && s["status"]?.stringValue == "done")
        // 36 sites: the dense matrix 8 * 36^2 + 64 * 36 bytes, the model 8 N + 144 N + 8 (N + 1).
        #expect(s["memory_plan"]?["parts"]?["dense eigensolver (N x N matrix)"]?.intValue == 8 * 36 * 36 + 64 * 36)
        #expect(s["memory_plan"]?["estimated_bytes"]?.intValue == 8 * 36 * 36 + 64 * 36 + 8 * 36 + 144 * 36 + 8 * 37)
    }

    // MARK: exit codes and negative values (CONVENTIONS.md §4)

    @Test func unconvergedHartreeFockExitsThreeWithItsOutput() throws {
        let dir = CLI.scratch("unconverged")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["hartree-fock", "--size", "6", "--W", "5", "--filling", "0.8", "--U", "3", "--max-iterations", "2",
                             "--quiet", "--output", dir.path])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("warning: the result did not converge (exit 3); it is written to \(dir.path), flagged in summary.json \"status\" with the reason"))
        let s = try summary(dir)
        #expect(s.objectValue?[1].0 == "status" && s["status"]?.stringValue == "unconverged")
        #expect(s["status_reason"]?.stringValue?.hasPrefix("realization 0, U = 3.0: Hartree-Fock at U = 3.0 did not converge in 2 iterations") == true)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("hartree_fock.csv").path))
    }

    @Test func uncertifiedSpectrumExitsFourWithItsOutput() throws {
        // The clean 6 x 6 lattice: level 0 is 8-fold degenerate; the 2 states nearest 0.5 are 2 of
        // that multiplet, which the inertia count cannot certify as "the" 2 nearest.
        let dir = CLI.scratch("uncertified")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["spectrum", "--size", "6", "--solver", "shift-invert", "--sigma", "0.5", "--count", "2", "--quiet", "--output", dir.path])
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stderr == "warning: the result is not certified (exit 4); it is written to \(dir.path), flagged in summary.json \"status\" with the reason\n")
        let s = try summary(dir)
        #expect(s["status"]?.stringValue == "uncertified" && s["certified"]?.boolValue == false)
        #expect(s["status_reason"]?.stringValue == "the inertia count did not prove the computed states complete in every realization (see realizations[].certified)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r000/eigenvalues.npy").path))
    }

    @Test func unconvergedKrylovSolveExitsThree() throws {
        try refused(["spectrum", "--size", "20", "--W", "9", "--solver", "shift-invert", "--sigma", "0", "--count", "10",
                     "--max-restarts", "1", "--tol", "1e-15", "--ncv", "24"],
                    "error: block Krylov-Schur reached the maximum of 1 restarts with 0 of 10 eigenpairs converged; raise --max-restarts, enlarge the basis (--ncv, now 24), or loosen --tol (now 1e-15); nothing was written",
                    status: 3)
    }

    @Test func negativeOptionValuesAreAccepted() throws {
        let dir = CLI.scratch("negative")
        defer { try? FileManager.default.removeItem(at: dir) }
        let g = try CLI.run(["ground-state", "--size", "8", "--W", "5", "--filling", "0.8", "--U", "-1", "--window", "levels:3",
                             "--restarts", "1", "--quiet", "--output", dir.path])
        #expect(g.status == 0, "\(g.stderr)")
        #expect(try summary(dir)["results"]?.arrayValue?.first?["U"]?.doubleValue == -1)
        let l = try CLI.run(["localization", "--size", "6", "--W", "5", "--energies", "-1.5:-0.9", "--quiet", "--force", "--output", dir.path])
        #expect(l.status == 0, "\(l.stderr)")
        #expect(try summary(dir)["states"]?["lower"]?.doubleValue == -1.5)
        let h = try CLI.run(["hartree-fock", "--size", "6", "--W", "5", "--filling", "0.8", "--U", "-0.5", "--quiet", "--force", "--output", dir.path])
        #expect(h.status == 0, "\(h.stderr)")
    }

    // MARK: merge completeness (item 3)

    @Test func mergeRefusesAnIncompleteSetAndTheMergedSweepResumes() throws {
        let dir = CLI.scratch("merge")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("sweep.json")
        try #"{"sizes": [6], "W": [3, 5], "U": [1], "fillings": [0.8], "realizations": 2, "window": "levels:3", "solver": "dense", "algorithm": "default"}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let s1 = dir.appendingPathComponent("s1"), merged = dir.appendingPathComponent("merged")
        let a = try CLI.run(["sweep", config.path, "--shard", "1/2", "--output", s1.path])
        #expect(a.status == 0, "\(a.stderr)")
        let refused = try CLI.run(["merge", "--output", merged.path, s1.path])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("incomplete merge: shard 2/2 not given; 2 of 4 units are missing (L=6 W=3.0 n=0.8 r=1; L=6 W=5.0 n=0.8 r=1)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: merged.path))
        let allowed = try CLI.run(["merge", "--allow-incomplete", "--output", merged.path, s1.path])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let manifest = try JSON.parse(String(contentsOf: merged.appendingPathComponent("sweep.json"), encoding: .utf8))
        #expect(manifest["complete"]?.boolValue == false)
        #expect(manifest["missing_units"]?.arrayValue?.compactMap(\.stringValue) == ["L=6 W=3.0 n=0.8 r=1", "L=6 W=5.0 n=0.8 r=1"])
        // The merged directory resumes: the two missing units are computed, and the table is the
        // one of an unsharded sweep.
        let resumed = try CLI.run(["sweep", config.path, "--output", merged.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("2 units computed, 2 already done"), "\(resumed.stderr)")
        let whole = dir.appendingPathComponent("whole")
        #expect(try CLI.run(["sweep", config.path, "--output", whole.path]).status == 0)
        #expect(try String(contentsOf: merged.appendingPathComponent("results.csv"), encoding: .utf8)
                == String(contentsOf: whole.appendingPathComponent("results.csv"), encoding: .utf8))
    }

    // MARK: L_loc definitions (item 4)

    @Test func groundStateNamesLlocByItsStates() throws {
        let dense = CLI.scratch("lloc-dense"), sparse = CLI.scratch("lloc-sparse")
        defer { try? FileManager.default.removeItem(at: dense); try? FileManager.default.removeItem(at: sparse) }
        let common = ["ground-state", "--size", "8", "--W", "5", "--filling", "0.8", "--U", "1", "--window", "levels:4", "--restarts", "1", "--quiet"]
        #expect(try CLI.run(common + ["--output", dense.path]).status == 0)
        #expect(try CLI.run(common + ["--solver", "shift-invert", "--output", sparse.path]).status == 0)
        let d = try summary(dense), s = try summary(sparse)
        #expect(d["localization_length_all_states"]?.doubleValue != nil && d["localization_length_window_states"] == nil)
        #expect(s["localization_length_window_states"]?.doubleValue != nil && s["localization_length_all_states"] == nil)
    }

    @Test func groundStateAutoUsesItsOwnCrossover() throws {
        // 40 x 40 = 1600 sites: above spectrum's crossover (1000), below the ground-state
        // pipeline's (2500, docs/benchmarks/ground-state.md): auto takes the dense path.
        let dir = CLI.scratch("gs-auto")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["ground-state", "--size", "40", "--W", "9", "--filling", "0.8", "--U", "1", "--window", "levels:5",
                             "--restarts", "1", "--solver", "auto", "--quiet", "--output", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try summary(dir)
        #expect(s["eigen_path"]?.stringValue == "dense" && s["localization_length_all_states"] != nil)
    }

    // MARK: input formats and messages (item 8)

    @Test func textDisorderFilesWithCRLFAndTwoDimensions() throws {
        let dir = CLI.scratch("disorder")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let values = (0..<12).map { Double($0) * 0.37 - 2 }
        let plain = dir.appendingPathComponent("plain.txt"), crlf = dir.appendingPathComponent("crlf.txt")
        let table = dir.appendingPathComponent("table.txt"), bad = dir.appendingPathComponent("bad.txt")
        try values.map { "\($0)\n" }.joined().write(to: plain, atomically: true, encoding: .utf8)
        try values.map { "\($0)\r\n" }.joined().write(to: crlf, atomically: true, encoding: .utf8)
        // (Ly, Lx) = (3, 4): row y holds x = 0..<4.
        try (0..<3).map { y in (0..<4).map { "\(values[$0 + 4 * y])" }.joined(separator: " ") + "\r\n" }.joined()
            .write(to: table, atomically: true, encoding: .utf8)
        try "1 2 3\n4 5 6\n".write(to: bad, atomically: true, encoding: .utf8)
        var eigenvalues = [Data]()
        for (k, f) in [plain, crlf, table].enumerated() {
            let out = dir.appendingPathComponent("o\(k)")
            let r = try CLI.run(["spectrum", "--size", "4x3", "--boundary", "open", "--disorder", f.path, "--quiet", "--output", out.path])
            #expect(r.status == 0, "\(f.lastPathComponent): \(r.stderr)")
            eigenvalues.append(try Data(contentsOf: out.appendingPathComponent("eigenvalues.npy")))
        }
        #expect(eigenvalues[1] == eigenvalues[0] && eigenvalues[2] == eigenvalues[0])
        try refused(["spectrum", "--size", "4x3", "--boundary", "open", "--disorder", bad.path],
                    "disorder file \(bad.path) is a table of 2 rows of 3 numbers, expected (Ly, Lx) = (3, 4): 3 rows of 4, or one number per line")
    }

    @Test func float32NpyIsAWrongDtype() throws {
        let dir = CLI.scratch("f4")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (36,), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data += Data(header.utf8) + Data(count: 4 * 36)
        let file = dir.appendingPathComponent("w.npy")
        try data.write(to: file)
        try refused(["spectrum", "--size", "6", "--disorder", file.path],
                    "\(file.path): wrong .npy dtype: expected little-endian float64 '<f8', got '<f4'")
    }

    @Test func messagesOfItemEight() throws {
        let typo = try CLI.run(["spectum", "--size", "6"])
        #expect(typo.status == 64)
        #expect(typo.stderr.hasPrefix("Error: unknown command 'spectum'; did you mean 'spectrum'?"), "\(typo.stderr)")
        try refused(["spectrum", "--size", "8", "--W", "5", "--filling", "0.8", "--window", "energy:1e-5"],
                    "error: realization 0: the selection --window energy:1e-5 holds no state")
        try refused(["spectrum", "--size", "8", "--W", "5", "--filling", "0.8", "--window", "energy:1e-5", "--solver", "shift-invert"],
                    "error: realization 0: the selection --window energy:1e-5 holds no state")
        try refused(["hartree-fock", "--size", "6", "--filling", "0.8", "--U", "1,,2"], "Error: --U: '' is not a finite number")
        let dir = CLI.scratch("threads")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["spectrum", "--size", "6", "--threads", "100000", "--quiet", "--output", dir.path]).status == 0)
        let p = try summary(dir)["provenance"]
        let effective = try #require(p?["threads"]?.intValue)
        #expect(effective >= 1 && effective < 100000 && p?["threads_requested"]?.intValue == 100000)
    }

    // MARK: progress and identity (items 9, 10)

    @Test func humanProgressAndVersion() throws {
        let dir = CLI.scratch("progress")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["localization", "--size", "6", "--realizations", "2", "--output", dir.path])
        #expect(r.status == 0)
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.range(of: #"^\[localization\] realization 1/2 done, [0-9.e-]+ s each, about [0-9.e-]+ s left$"#, options: .regularExpression) != nil, "\(r.stderr)")
        #expect(r.stderr.contains("[localization] realization 2/2 done,") && !r.stderr.contains("0/") )
        let v = try CLI.run(["--version"])
        #expect(v.stdout.range(of: #"^0\.1\.0 \(git commit [0-9a-f]{40}(-dirty)?\)"#, options: .regularExpression) != nil, "\(v.stdout)")
    }

    @Test func progressInsideLongPhasesIsThrottled() throws {
        let dir = CLI.scratch("phase")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The sparse path's Chebyshev core, one probe per site (64): a line per probe with interval 0.
        let g = try CLI.run(["ground-state", "--size", "8", "--W", "5", "--filling", "0.8", "--U", "1", "--window", "levels:4",
                             "--solver", "shift-invert", "--restarts", "1", "--chebyshev-moments", "50", "--output", dir.path],
                            environment: ["FERMIGLASS_PROGRESS_INTERVAL": "0"])
        #expect(g.status == 0, "\(g.stderr)")
        let probes = g.stderr.split(separator: "\n").filter { $0.hasPrefix("[ground-state] Chebyshev core probe ") }
        #expect(probes.count == 62, "\(g.stderr)")  // probes 2...63 of 64 (the rate needs two, the last is the end)
        #expect(probes.first?.range(of: #"^\[ground-state\] Chebyshev core probe 2/64, about [0-9.e-]+ s left$"#, options: .regularExpression) != nil)
        // Shift-invert slices of a wide window: 120 levels in slices of at most 30 (5 slices).
        let s = try CLI.run(["spectrum", "--size", "20", "--W", "9", "--filling", "0.8", "--solver", "shift-invert", "--window", "levels:60",
                             "--slice-capacity", "30", "--force", "--output", dir.path], environment: ["FERMIGLASS_PROGRESS_INTERVAL": "0"])
        #expect(s.status == 0, "\(s.stderr)")
        let slices = s.stderr.split(separator: "\n").filter { $0.hasPrefix("[spectrum] shift-invert slice ") }
        #expect(slices.count == 3 && slices.first?.hasPrefix("[spectrum] shift-invert slice 2/5, about ") == true, "\(s.stderr)")
        // Inside each slice's Lanczos run: the wanted pairs converged so far, with an ETA.
        let lanczos = s.stderr.split(separator: "\n").filter { $0.hasPrefix("[spectrum] Lanczos run, pairs converged ") }
        #expect(!lanczos.isEmpty && lanczos.allSatisfy {
            $0.range(of: #"^\[spectrum\] Lanczos run, pairs converged [0-9]+/[0-9]+, about [0-9.e-]+ s left$"#, options: .regularExpression) != nil
        }, "\(s.stderr)")
        // Hartree-Fock: one search line (start or iteration) every 5 s by default (this run of 9
        // starts and their iterations takes well under 5 s, so only the first is shown), none with --quiet.
        let args = ["hartree-fock", "--size", "6", "--W", "5", "--filling", "0.8", "--U", "1", "--force", "--output", dir.path]
        let h = try CLI.run(args)
        #expect(h.status == 0)
        #expect(h.stderr.split(separator: "\n").filter { $0.hasPrefix("[hartree-fock] realization 0, U = 1.0, ") }.count == 1, "\(h.stderr)")
        let q = try CLI.run(args + ["--quiet"])
        #expect(q.status == 0 && q.stderr.isEmpty, "\(q.stderr)")
    }

    @Test func polarizedTableIsByteIdenticalAcrossReruns() throws {
        let a = CLI.scratch("pol-a"), b = CLI.scratch("pol-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let args = ["ground-state", "--size", "8", "--W", "5", "--filling", "0.8", "--U", "0.5,1", "--window", "levels:4", "--restarts", "2", "--quiet"]
        #expect(try CLI.run(args + ["--output", a.path]).status == 0)
        #expect(try CLI.run(args + ["--output", b.path]).status == 0)
        let pa = try String(contentsOf: a.appendingPathComponent("polarized.csv"), encoding: .utf8)
        #expect(!pa.split(separator: "\n")[0].contains("seconds"))
        #expect(pa == (try String(contentsOf: b.appendingPathComponent("polarized.csv"), encoding: .utf8)))
    }

    @Test func warmStartChecksTheLattice() throws {
        let a = CLI.scratch("warm-a"), b = CLI.scratch("warm-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let args = ["hartree-fock", "--size", "6", "--W", "5", "--filling", "0.8", "--U", "1", "--quiet"]
        #expect(try CLI.run(args + ["--output", a.path]).status == 0)
        try refused(args + ["--seed", "2", "--warm-start", a.path],
                    "Error: --warm-start: the densities in \(a.path) come from another lattice (seed \"1\"); this run has seed \"2\"")
        try refused(args + ["--W", "4", "--warm-start", a.appendingPathComponent("r000/U1.0").path],
                    "come from another lattice (W 5.0); this run has W 4.0")
        let ok = try CLI.run(args + ["--warm-start", a.path, "--output", b.path])
        #expect(ok.status == 0 && !ok.stderr.contains("warning"), "\(ok.stderr)")
    }
}
