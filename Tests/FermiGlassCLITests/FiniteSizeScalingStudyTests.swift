import Foundation
import Testing
@testable import FermiGlassStudies
import FermiGlassIO
import FermiGlassTestSupport

/// A results record as `fermiglass sweep` writes it (the columns the study reads).
private func record(_ l: Int, w: Double = 9, r: Int = 0, window: String = "energy:0.3", algorithm: String = "default",
                    proposals: Int = 100_000, lStates: String = "all", lloc: Double = 5, polarized: Int = 2, u: Double? = 0.5) -> JSON {
    var row: [(String, JSON)] = [("L_loc", .number(lloc)), ("L_loc_states", .string(lStates)), ("L_loc_window", .number(lloc))]
    if let u { row = [("U", .number(u))] + row + [("polarized", .int(polarized))] }
    return .object([
        ("unit", .int(0)), ("key", .string("L=\(l) W=\(JSON.format(w)) n=0.8 r=\(r)")),
        ("columns", .object([("Lx", .int(l)), ("Ly", .int(l)), ("W", .number(w)), ("filling", .number(0.8)), ("realization", .int(r))])),
        ("method", .object([("solver", .string("auto")), ("window", .string(window)), ("algorithm", .string(algorithm)), ("proposals", .int(proposals))])),
        ("rows", .array([.object(row)])),
    ])
}

private func config(t2: Double = 0.6, seed: Int = 1) -> JSON {
    .object([("t1", .number(1)), ("t2", .number(t2)), ("mu", .number(0)), ("boundary", .string("periodic")), ("seed", .string(String(seed)))])
}

private func message(_ body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return (error as? SweepError)?.description ?? "\(error)" }
}

@Suite("Finite-size-scaling study") struct FiniteSizeScalingStudyTests {
    @Test func mixedWindowsAreRefused() {
        let a = SweepResults(directory: "a", config: config(), records: [record(40), record(60)])
        let b = SweepResults(directory: "b", config: config(), records: [record(100, window: "levels:100")])
        #expect(message { _ = try ScalingDefinitions.check([a, b]) }
            == "cannot combine units with different windows: energy:0.3 (sizes 40, 60) and levels:100 (size 100); n_m and <IPR> depend on the window: run every size with one window")
    }

    @Test func mixedMinimizersAreRefused() {
        let a = SweepResults(directory: "a", config: config(), records: [record(40), record(60, algorithm: "paper")])
        #expect(message { _ = try ScalingDefinitions.check([a]) }
            == "cannot combine units with different minimizers: default (size 40) and paper (size 60); the polarized count depends on the minimizer (the default and the paper Monte Carlo can differ at large U): run every size with one")
        let p = SweepResults(directory: "p", config: config(), records: [record(40, algorithm: "paper"), record(60, algorithm: "paper", proposals: 1000)])
        #expect(message { _ = try ScalingDefinitions.check([p]) }
            == "cannot combine paper Monte Carlo units with different proposal counts: 100000 (size 40) and 1000 (size 60); its polarized count depends on the budget: run every size with one")
    }

    @Test func mixedModelsAndRepeatedDisorderAreRefused() {
        let a = SweepResults(directory: "a", config: config(), records: [record(40)])
        let b = SweepResults(directory: "b", config: config(t2: 0.5), records: [record(60)])
        #expect(message { _ = try ScalingDefinitions.check([a, b]) }
            == "cannot combine sweeps of different models: t1=1.0 t2=0.6 mu=0.0 periodic (a) and t1=1.0 t2=0.5 mu=0.0 periodic (b); n_m depends on t1, t2, mu and the boundary")
        let c = SweepResults(directory: "c", config: config(), records: [record(40)])
        #expect(message { _ = try ScalingDefinitions.check([a, c]) }
            == "unit L=40 W=9.0 n=0.8 r=0 with seed 1 is in both a and c: the same disorder would be counted twice")
        // Another seed is other disorder: accepted.
        let d = SweepResults(directory: "d", config: config(seed: 2), records: [record(40)])
        #expect(message { _ = try ScalingDefinitions.check([a, d]) } == "no error")
    }

    @Test func referenceMustBeOverAllStatesOnOneSize() throws {
        let sparse = SweepResults(directory: "ref", config: config(), records: [record(100, u: nil), record(200, lStates: "window", u: nil)])
        #expect(message { _ = try LocalizationReference(sparse) }
            == "the L_loc reference ref has units with L_loc over the window states only (size 200, sparse path): the reference must be over all states; run it with \"solver\": \"dense\"")
        let twoSizes = SweepResults(directory: "ref", config: config(), records: [record(100, u: nil), record(60, w: 12, u: nil)])
        #expect(message { _ = try LocalizationReference(twoSizes) }
            == "the L_loc reference ref mixes lattice sizes: 100 (W = 9.0) and 60 (W = 12.0); L_loc over all states depends on the size: measure every W on one size")
        let ok = SweepResults(directory: "ref", config: config(), records: [record(100, lloc: 7, u: nil), record(100, r: 1, lloc: 8, u: nil)])
        let ref = try LocalizationReference(ok)
        let e = try #require(ref.entry(W: 9))
        // L = 7.5 +- 0.5 (sd 0.7071 / sqrt 2); g = 1/56.25, error 2 * 0.5 / 7.5^3.
        #expect(abs(e.length - 7.5) < 1e-14 && abs(e.lengthError - 0.5) < 1e-14)
        #expect(abs(e.inverseArea - 1 / 56.25) < 1e-16 && abs(e.inverseAreaError - 1 / 421.875) < 1e-16)
        #expect(message { try ref.check(model: "t1=1.0 t2=0.6 mu=0.0 periodic", disorderStrengths: [9, 12]) }
            == "the L_loc reference ref has no W = 12.0 (it has W = 9.0): add those W to it")
        #expect(message { try ref.check(model: "t1=1.0 t2=0.5 mu=0.0 periodic", disorderStrengths: [9]) }
            == "the L_loc reference ref is for t1=1.0 t2=0.6 mu=0.0 periodic but the sweeps are for t1=1.0 t2=0.5 mu=0.0 periodic: the reference must use the same model")
    }

    /// A size with one realization has no standard error: it is listed, not fitted.
    @Test func singleRealizationPointsAreNotFitted() throws {
        let a = SweepResults(directory: "a", config: config(), records: [record(40, polarized: 2), record(40, r: 1, polarized: 4),
                                                                          record(60, polarized: 6), record(60, r: 1, polarized: 8), record(100, polarized: 30)])
        let s = try ScalingStudy(inputs: [a], reference: nil, smallUMax: 1)
        #expect(s.points.count == 3 && s.unfitted.map(\.lx) == [100])
        #expect(s.plateaus.count == 1 && s.plateaus[0].sizes == [40, 60])
    }

    /// End to end on a tiny real campaign: a sweep (two sizes, two W, three U), a dense
    /// reference sweep, then `scaling`: the reference g is 1/mean(L_loc)^2 of the reference's
    /// units, c_window_IPR of each point is n_m / (N(0) U <IPR>) of the sweep's own columns, the
    /// plateau test compares only the constant form (two sizes), and a second sweep with
    /// another window is refused with exit 64 and the window message, writing nothing.
    @Test(.slow, .tags(.slow)) func tinySweepEndToEnd() throws {
        let dir = CLI.scratch("fss-e2e")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let sweep = try write("sweep.json", """
            {"sizes": [10, 12], "W": [9, 12], "t2": 0.6, "fillings": [0.8333333333333334], "U": [0.5, 1, 2],
             "realizations": 3, "window": "energy:1.5", "proposals": 2000, "seed": 3}
            """)
        let ref = try write("ref.json", """
            {"sizes": [12], "W": [9, 12], "t2": 0.6, "fillings": [0.8333333333333334], "realizations": 2,
             "solver": "dense", "window": "levels:10", "seed": 4}
            """)
        let other = try write("other.json", """
            {"sizes": [14], "W": [9], "t2": 0.6, "fillings": [0.8333333333333334], "U": [0.5],
             "realizations": 1, "window": "levels:10", "proposals": 2000, "seed": 3}
            """)
        let out = dir.appendingPathComponent("s").path, refOut = dir.appendingPathComponent("r").path
        let otherOut = dir.appendingPathComponent("o").path, view = dir.appendingPathComponent("v").path
        for (cfg, o) in [(sweep, out), (ref, refOut), (other, otherOut)] {
            let r = try CLI.run(["sweep", cfg, "--output", o, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let r = try CLI.run(["scaling", out, "--lloc-reference", refOut, "--small-u-max", "1", "--output", view, "--quiet"],
                            environment: ["FERMIGLASS_SCRIPTS": "/nonexistent"])
        #expect(r.status == 0, "\(r.stderr)")
        func table(_ path: String) throws -> [[String: String]] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        }
        let refRows = try table(refOut + "/results.csv")
        let points = try table(view + "/scaling.csv")
        let units = try table(out + "/results.csv")
        #expect(points.count == 2 * 2 * 3)
        for p in points {
            let w = p["W"]!
            let l = refRows.filter { $0["W"] == w }.map { Double($0["L_loc"]!)! }
            let mean = l.reduce(0, +) / Double(l.count)
            #expect(abs(Double(p["ref_inv_L_loc_sq"]!)! - 1 / (mean * mean)) < 1e-12)
            let mine = units.filter { $0["W"] == w && $0["Lx"] == p["Lx"] && $0["U"] == p["U"] }
            #expect(mine.count == 3)
            let avg = { (k: String) in mine.map { Double($0[k]!)! }.reduce(0, +) / 3 }
            let sites = Double(p["sites"]!)!
            let expected = avg("polarized") / sites / (avg("dos_per_site") * Double(p["U"]!)! * avg("ipr_window_mean"))
            #expect(abs(Double(p["c_window_IPR"]!)! - expected) < 1e-9 * abs(expected) + 1e-15, "\(p)")
            let conserving = Double(p["mu_star_conserving"]!)!
            #expect(conserving.isFinite)
            // The paper Monte Carlo's n_m, from the same units' paper_polarized column.
            #expect(abs(Double(p["paper_moment_density"]!)! - avg("paper_polarized") / sites) < 1e-12)
        }
        let plateau = try table(view + "/plateau.csv")
        #expect(plateau.filter { $0["selected"] == "1" }.allSatisfy { $0["form"] == "constant" })
        #expect(plateau.count == 2 * 3 * 3)  // constant, 1/L and 1/L^2 fitted (2 sizes), exponential not
        let law = try table(view + "/small_u_law.csv")
        #expect(law.contains { $0["g"] == "inv_L_loc_sq" && $0["size"] == "all" && Double($0["c"]!)!.isFinite })
        let refused = try CLI.run(["scaling", out, otherOut, "--output", dir.appendingPathComponent("x").path, "--quiet"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("cannot combine units with different windows: energy:1.5 (sizes 10, 12) and levels:10 (size 14); n_m and <IPR> depend on the window: run every size with one window"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
    }
}
