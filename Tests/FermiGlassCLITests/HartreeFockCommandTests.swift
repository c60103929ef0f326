import FermiGlassIO
import Foundation
import Testing
import FermiGlassTestSupport

/// Runs the built `fermiglass` binary with `arguments` (``CLI/run(_:environment:)``).
private func runFermiGlass(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments) }

private func scratch(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("fg-hf-\(name)-\(UUID().uuidString)").path
}

@Suite("fermiglass hartree-fock and linear-stability", .slow, .tags(.slow))
struct HartreeFockCommandTests {
    static let model = ["--size", "8", "--t2", "0.6", "--W", "9", "--particles", "54"]

    @Test func hartreeFockWritesMomentsAndAgreesWithItsEnergyCheck() throws {
        let dir = scratch("hf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "0.5,3", "--starts", "2", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let results = try #require(summary["results"]?.arrayValue)
        #expect(results.count == 2)
        for entry in results {
            #expect(entry["converged"]?.boolValue == true)
            let d = try #require(entry["energy_check_difference"]?.doubleValue)
            #expect(abs(d) < 1e-6)
        }
        let moments = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: dir + "/r000/U3.0/moments.npy")))
        #expect(moments.values.count == 64)
        let count = moments.values.filter { abs($0) > 0.1 }.count
        #expect(results[1]["moment_count"]?.intValue == count)
        #expect(FileManager.default.fileExists(atPath: dir + "/r000/U0.5/near_fermi.csv"))
        #expect(FileManager.default.fileExists(atPath: dir + "/hartree_fock.csv"))
    }

    @Test func linearStabilityReportsPiCensusAndOccupation() throws {
        let dir = scratch("ls")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["linear-stability"] + Self.model + ["--U", "0.5", "--window", "10", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let entry = try #require(summary["results"]?.arrayValue?.first)
        let lambda = try #require(entry["pi_eigenvalues"]?.arrayValue?.first?.doubleValue)
        #expect(lambda > 0)
        #expect(abs((entry["U_lambda_max"]?.doubleValue ?? 0) - 0.5 * lambda) < 1e-12)
        #expect(entry["census"]?["two_sided"]?.intValue != nil)
        // Per-U folders even for a single U (issue 21, item 10).
        #expect(FileManager.default.fileExists(atPath: dir + "/r000/U0.5/pi_eigenvalues.npy"))
    }

    /// An open shell at E_F (clean half-filled 4 x 4: six levels at E = 0, three filled per
    /// spin): Pi is summed over the pairs with E_b - E_a > delta, lambda_max is refused with the
    /// reason, and the paramagnet's Hessian eigenvalue is reported instead.
    @Test func linearStabilityRefusesLambdaOnAnOpenShell() throws {
        let dir = scratch("open")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["linear-stability", "--size", "4", "--particles", "16", "--U", "0.5", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("lambda_max refused"))
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let entry = try #require(summary["results"]?.arrayValue?.first)
        #expect(try #require(entry["excluded_pairs"]?.intValue) > 0)
        #expect(entry["U_lambda_max"]?.doubleValue == nil)
        #expect(entry["stoner_unstable"]?.boolValue == nil)
        #expect(entry["lambda_refused"]?.stringValue?.contains("E_b - E_a") == true)
        #expect(entry["hessian_min_eigenvalue"]?.doubleValue != nil)
    }

    /// No aufbau paramagnet (10 x 10, W = 9, seed 11, realization 1, U = 2: the aufbau stalls
    /// and maximum overlap ends with an empty level below an occupied one): the reference is the
    /// lowest paramagnetic state with fractional occupation, lower than the maximum-overlap
    /// state and certified to 1e-6; its two levels at E_F are the degenerate block, reported
    /// with their occupations (one particle per spin between them), and lambda is refused.
    @Test func linearStabilityUsesTheFractionalParamagnetWhereNoAufbauExists() throws {
        let dir = scratch("fractional")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["linear-stability", "--size", "10", "--t2", "0.6", "--W", "9", "--filling", "0.8333333333", "--seed", "11",
                                   "--realization-range", "1:2", "--U", "2", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("no aufbau paramagnet exists at U = 2.0"), "stderr: \(r.stderr)")
        let entry = try #require(try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))["results"]?.arrayValue?.first)
        #expect(entry["occupation"]?.stringValue == "fractional")
        #expect(entry["U_lambda_max"]?.doubleValue == nil && entry["stoner_unstable"]?.boolValue == nil)
        let fp = try #require(entry["fractional_paramagnet"])
        #expect(try #require(fp["energy"]?.doubleValue) < (try #require(fp["maximum_overlap_energy"]?.doubleValue)))
        #expect(try #require(fp["energy_bound"]?.doubleValue) < 1e-6)
        let block = try #require(entry["degenerate_block"])
        let levels = try #require(block["levels"]?.arrayValue?.compactMap { $0.intValue })
        #expect(levels.count == 2 && levels[1] - levels[0] == 2)
        let occupations = try #require(block["occupations"]?.arrayValue?.compactMap { $0.doubleValue })
        #expect(abs(occupations.reduce(0, +) - 1) < 1e-4 && occupations.allSatisfy { $0 > 1e-3 && $0 < 1 - 1e-3 })
    }

    @Test func badInputIsRefusedBeforeAnyOutput() throws {
        let dir = scratch("bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1", "--mode", "antiferro", "--output", dir])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--mode must be paramagnetic or free"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/summary.json"))
        let r2 = try runFermiGlass(["linear-stability"] + Self.model + ["--U", "x", "--output", dir])
        #expect(r2.status == 64)
        #expect(r2.stderr.contains("--U: 'x' is not a finite number"))
        let cases: [([String], String)] = [
            (["--mixing", "broyden"], "--mixing must be anderson, linear, oda or ediis, got 'broyden'"),
            (["--mixing", "ediis", "--mixing-history", "12"], "--mixing-history must be in 1...11 for ediis, got 12"),
            (["--mixing", "ediis", "--handover", "0"], "--handover must be positive, got 0.0"),
            (["--sweep", "down"], "--sweep must be up or both, got 'down'"),
            (["--hops=-1"], "--hops must be non-negative, got -1"),
            (["--resume", "--force"], "give --resume or --force, not both"),
        ]
        for (extra, message) in cases {
            let r3 = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1", "--mode", "free", "--output", dir] + extra)
            #expect(r3.status == 64, "\(extra): status \(r3.status)")
            #expect(r3.stderr.contains(message), "\(extra): \(r3.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir))
        }
    }

    /// --warm-start continues from an earlier run's densities: started from a converged U = 1
    /// solution with --starts 0, the same U converges at once (within 3 iterations, one start
    /// only) to the same energy and moments; the next U of the list starts from it.
    @Test func warmStartContinuesFromAConvergedRun() throws {
        let first = scratch("warm1"), second = scratch("warm2")
        defer { for d in [first, second] { try? FileManager.default.removeItem(atPath: d) } }
        let a = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1", "--starts", "2", "--output", first])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let b = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1,1.5", "--starts", "0", "--sweep", "up", "--warm-start", first + "/r000/U1.0",
                                   "--output", second])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        let sa = try JSON.parse(String(contentsOfFile: first + "/summary.json", encoding: .utf8))
        let sb = try JSON.parse(String(contentsOfFile: second + "/summary.json", encoding: .utf8))
        let ea = try #require(sa["results"]?.arrayValue?.first?["energy"]?.doubleValue)
        let resultsB = try #require(sb["results"]?.arrayValue)
        #expect(resultsB.count == 2)
        let eb = try #require(resultsB.first?["energy"]?.doubleValue)
        #expect(abs(ea - eb) < 1e-7, "energies \(ea) and \(eb)")
        for entry in resultsB {
            let runs = try #require(entry["runs"]?.arrayValue)
            #expect(runs.allSatisfy { $0["start"]?.intValue == -1 }, "only the warm start runs with --starts 0: \(runs)")
        }
        let firstRuns = try #require(resultsB.first?["runs"]?.arrayValue)
        #expect((firstRuns.first?["iterations"]?.intValue ?? 99) <= 3)
        let ma = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: first + "/r000/U1.0/moments.npy"))).values
        let mb = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: second + "/r000/U1.0/moments.npy"))).values
        #expect(zip(ma, mb).map { abs($0 - $1) }.max() ?? 1 < 1e-6)
        #expect(sb["self_consistency"]?["warm_start"]?.stringValue == first + "/r000/U1.0")
    }

    /// A warm start that does not fit is refused before any output: wrong lattice size, more
    /// than one realization, a directory without densities.
    @Test func badWarmStartIsRefusedBeforeAnyOutput() throws {
        let small = scratch("warm-small"), dir = scratch("warm-bad")
        defer { for d in [small, dir] { try? FileManager.default.removeItem(atPath: d) } }
        let a = try runFermiGlass(["hartree-fock", "--size", "4", "--particles", "10", "--W", "3", "--U", "1", "--starts", "1", "--output", small])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let empty = small + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["--warm-start", small + "/r000/U1.0"], "--warm-start: the densities in \(small)/r000/U1.0 come from another lattice (Lx 4, Ly 4, t2 0.0, W 3.0, particles 10); this run has Lx 8, Ly 8, t2 0.6, W 9.0, particles 54"),
            (["--warm-start", small + "/r000/U1.0", "--realizations", "2"], "--warm-start needs a single realization (e.g. --realization-range 2:3), got 2"),
            (["--warm-start", empty], "--warm-start: \(empty)/density_up.npy does not exist"),
        ]
        for (extra, message) in cases {
            let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1", "--output", dir] + extra)
            #expect(r.status == 64, "\(extra): status \(r.status)")
            #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir))
        }
    }

    /// The Hubbard dimer from the default options (issue 20): the four random starts end on
    /// the paramagnet, a saddle; following its negative Hessian mode gives the UHF minimum
    /// E = -2t^2/U, |m| = sqrt(1 - 4t^2/U^2), reported with its Hessian eigenvalue, signed S_z
    /// and the number of starts that reached it.
    @Test(arguments: [2.5, 3.0, 10.0])
    func dimerFromTheDefaultOptionsIsTheClosedFormMinimum(u: Double) throws {
        let dir = scratch("dimer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["hartree-fock", "--size", "2x1", "--boundary", "open", "--particles", "2", "--U", "\(u)",
                                   "--mode", "free", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        #expect(summary["converged"]?.boolValue == true)
        let e = try #require(summary["results"]?.arrayValue?.first)
        #expect(abs(try #require(e["energy"]?.doubleValue) - (-2 / u)) < 1e-7)
        #expect(abs(try #require(e["max_abs_moment"]?.doubleValue) - (1 - 4 / (u * u)).squareRoot()) < 1e-6)
        #expect(try #require(e["hessian_min_eigenvalue"]?.doubleValue) > 0)
        #expect(e["is_minimum"]?.boolValue == true)
        #expect(e["sz"]?.doubleValue == 0)
        #expect(e["abs_sz"]?.doubleValue == 0)
        #expect(try #require(e["starts_reaching_minimum"]?.intValue) >= 1)
    }

    /// A run that does not converge exits 3 (CONVENTIONS.md section 4) with its output written
    /// and "converged": false at the top of summary.json; --allow-unconverged exits 0.
    @Test func unconvergedRunExitsThreeUnlessAllowed() throws {
        let a = scratch("unconverged"), b = scratch("allowed")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let args = ["hartree-fock"] + Self.model + ["--U", "3", "--mode", "paramagnetic", "--max-iterations", "2"]
        let r = try runFermiGlass(args + ["--output", a])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("did not converge"))
        let summary = try JSON.parse(String(contentsOfFile: a + "/summary.json", encoding: .utf8))
        #expect(summary["converged"]?.boolValue == false)
        #expect(summary["unconverged"]?.intValue == 1)
        let s = try runFermiGlass(args + ["--allow-unconverged", "--output", b])
        #expect(s.status == 0, "stderr: \(s.stderr)")
    }

    /// An unconverged (or killed) U keeps its running densities in r000/U3.0/partial, and
    /// --warm-start there continues: a run stopped after 2 iterations leaves density files
    /// with one value per site and a progress record of iteration 1 (the first snapshot is
    /// written at once, later ones at most every 10 s); continued from them the same U
    /// converges to the energy of an uninterrupted run, and the partial directory is gone.
    @Test func unconvergedRunLeavesDensitiesToContinueFrom() throws {
        let stopped = scratch("stopped"), continued = scratch("continued"), whole = scratch("whole")
        defer { for d in [stopped, continued, whole] { try? FileManager.default.removeItem(atPath: d) } }
        // One start (no Pi_0 mode starts): a continuation resumes the start that was running,
        // not a search over several starts.
        let common = ["--U", "3", "--mode", "free", "--starts", "0", "--mode-starts", "0", "--mixing", "ediis"]
        let a = try runFermiGlass(["hartree-fock"] + Self.model + common + ["--max-iterations", "2", "--output", stopped])
        #expect(a.stderr.contains("its last densities are in \(stopped)/r000/U3.0/partial"), "stderr: \(a.stderr)")
        // The checkpoint beside the output is gone once the run has completed.
        #expect(!FileManager.default.fileExists(atPath: stopped + ".checkpoint"))
        let up = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: stopped + "/r000/U3.0/partial/density_up.npy")))
        #expect(up.values.count == 64)
        let progress = try JSON.parse(String(contentsOfFile: stopped + "/r000/U3.0/partial/progress.json", encoding: .utf8))
        #expect(progress["iteration"]?.intValue == 1)
        let b = try runFermiGlass(["hartree-fock"] + Self.model + common + ["--warm-start", stopped + "/r000/U3.0/partial", "--output", continued])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: continued + "/r000/U3.0/partial"))
        let c = try runFermiGlass(["hartree-fock"] + Self.model + common + ["--output", whole])
        #expect(c.status == 0, "stderr: \(c.stderr)")
        func energy(_ dir: String) throws -> Double? {
            try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))["results"]?.arrayValue?.first?["energy"]?.doubleValue
        }
        let eb = try #require(try energy(continued)), ec = try #require(try energy(whole))
        #expect(abs(eb - ec) < 1e-6, "continued \(eb), uninterrupted \(ec)")
    }

    /// A killed U sweep keeps what finished, and the earlier results are untouched: the results
    /// go through the staging directory (issue 21), while every converged (realization, U) is
    /// checkpointed at once in `<output>.checkpoint/r###/U<value>/` (its densities to
    /// --warm-start from, its moments and its summary entry). Killing the run during the second
    /// U leaves the first U's checkpoint (result.json matching its moments.npy), no checkpoint of
    /// the later U, and the old contents of --output (a --force rerun over an earlier run).
    @Test func killedSweepKeepsFinishedResults() throws {
        let dir = scratch("kill")
        let checkpoint = dir + ".checkpoint"
        defer { for d in [dir, checkpoint] { try? FileManager.default.removeItem(atPath: d) } }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "earlier".write(toFile: dir + "/keep.txt", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = try #require(CLI.binary, "cannot find the fermiglass executable")
        // Without the stability analysis and mode starts: this test is about checkpoints, and in
        // a debug build they would take minutes on 20 x 20. --sweep up: with the way back down
        // (the default) a U is checkpointed only after it (a killed run of that kind continues
        // with --resume, aKilledSweepResumedEndsWhereTheUninterruptedRunEnds).
        p.arguments = ["hartree-fock", "--preset", "paper", "--size", "20", "--U", "0.2,2,3", "--starts", "3",
                       "--no-stability", "--mode-starts", "0", "--sweep", "up", "--force", "--output", dir]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let resultPath = checkpoint + "/r000/U0.2/result.json"
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: resultPath) && p.isRunning && Date() < deadline { usleep(20_000) }
        let killedWhileRunning = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(killedWhileRunning, "the sweep finished before the first checkpoint could be seen")
        let result = try JSON.parse(String(contentsOfFile: resultPath, encoding: .utf8))
        #expect(result["U"]?.doubleValue == 0.2)
        let moments = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: checkpoint + "/r000/U0.2/moments.npy"))).values
        #expect(result["moment_count"]?.intValue == moments.filter { abs($0) > 0.1 }.count)
        #expect(FileManager.default.fileExists(atPath: checkpoint + "/r000/U0.2/density_up.npy"))
        #expect(!FileManager.default.fileExists(atPath: checkpoint + "/r000/U2.0/result.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])

        let finished = scratch("finished")
        defer { try? FileManager.default.removeItem(atPath: finished) }
        let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "0.5,1", "--starts", "1", "--output", finished])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let done = try JSON.parse(String(contentsOfFile: finished + "/summary.json", encoding: .utf8))
        #expect(done["complete"]?.boolValue == true)
        #expect(done["results"]?.arrayValue?.count == 2)
        #expect(!FileManager.default.fileExists(atPath: finished + ".checkpoint"))
    }

    /// "Continuation lands elsewhere" (issue 20): a free-mode U sweep (up and back down, with
    /// hops) killed by SIGKILL in the middle of its second U and rerun with --resume in the same
    /// --output restores the finished starts from <output>.checkpoint/r000/U<value>/starts/ and
    /// ends where the uninterrupted run ends: the same energy, kept start, minima and the starts
    /// that reached them, Hessian eigenvalue and moments, as JSON text; the checkpoint is gone
    /// afterwards. The run killed before anything finished would simply rerun everything.
    @Test func aKilledSweepResumedEndsWhereTheUninterruptedRunEnds() throws {
        let whole = scratch("whole-sweep"), killed = scratch("killed-sweep")
        defer { for d in [whole, killed, killed + ".checkpoint"] { try? FileManager.default.removeItem(atPath: d) } }
        let args = ["hartree-fock"] + Self.model + ["--U", "2,3", "--starts", "2", "--mode-starts", "1", "--hops", "2"]
        let a = try runFermiGlass(args + ["--output", whole])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let p = Process()
        p.executableURL = try #require(CLI.binary, "cannot find the fermiglass executable")
        p.arguments = args + ["--output", killed]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Killed once the second U has finished a start (its record is written last).
        let starts = killed + ".checkpoint/r000/U3.0/starts"
        let deadline = Date().addingTimeInterval(600)
        func finishedStarts() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: starts)) ?? [])
                .filter { FileManager.default.fileExists(atPath: starts + "/" + $0 + "/record.json") }.count
        }
        while finishedStarts() < 1 && p.isRunning && Date() < deadline { usleep(20_000) }
        let killedWhileRunning = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(killedWhileRunning, "the sweep finished before a start of U = 3 was stored")
        #expect(!FileManager.default.fileExists(atPath: killed + "/summary.json"))
        let b = try CLI.run(args + ["--output", killed, "--resume"], environment: ["FERMIGLASS_PROGRESS_INTERVAL": "0"])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        #expect(b.stderr.contains("restored from the start store"), "stderr: \(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: killed + ".checkpoint"))
        let sa = try JSON.parse(String(contentsOfFile: whole + "/summary.json", encoding: .utf8))
        let sb = try JSON.parse(String(contentsOfFile: killed + "/summary.json", encoding: .utf8))
        #expect(sa["sweep"]?.stringValue == "both")
        #expect(sb["resumed"]?.boolValue == true)
        let ra = try #require(sa["results"]?.arrayValue), rb = try #require(sb["results"]?.arrayValue)
        #expect(ra.count == 2 && rb.count == 2)
        for (x, y) in zip(ra, rb) {
            for key in ["U", "energy", "kept_start", "distinct_minima", "starts_reaching_minimum", "hessian_min_eigenvalue",
                        "sum_abs_moment", "sz", "minima"] {
                #expect(x[key]?.serialized() == y[key]?.serialized(), "\(key)")
            }
        }
        // The way back down ran at U = 2 (start -2, the kept state of U = 3) in both runs.
        #expect(ra[0]["runs"]?.arrayValue?.contains { $0["start"]?.intValue == -2 } == true)
        for u in ["U2.0", "U3.0"] {
            let ma = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: whole + "/r000/\(u)/moments.npy"))).values
            let mb = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: killed + "/r000/\(u)/moments.npy"))).values
            #expect(ma == mb, "\(u)")
        }
    }
}
