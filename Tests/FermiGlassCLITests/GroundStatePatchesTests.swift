import FermiGlass
import Foundation
import FermiGlassTestSupport
import Testing

/// `ground-state --solver patches` (issue 18) against `--solver dense` with the exact core: the
/// same window, the same occupations and polarized counts, and E1 within the bound implied by
/// the core-density error. Every plan is asserted to have >= 9 patches, none wrapping.
@Suite("Ground state on patches")
struct GroundStatePatchesTests {
    static func settings(_ solver: SolverChoice, window: FermiWindow, halo: Int?, interior: Int?, spacing: Int,
                         tol: Double) -> GroundStateStudy.Settings {
        var s = GroundStateStudy.Settings()
        s.window = window
        s.solver = solver
        s.restarts = 4
        s.proposals = 20_000
        s.patches = PatchOptions(residualTolerance: tol, halo: halo, interior: interior)
        s.probeSpacing = spacing
        s.keepDetails = false
        return s
    }

    /// One lattice: the study on both paths, and the two problems compared directly.
    static func compare(size l: Int, disorder w: Double, seed: UInt64 = 1, realization r: Int, window: FermiWindow, halo: Int?, interior: Int?, spacing: Int,
                        us: [Double], maxShiftError: Double, tol: Double = 1e-6) throws {
        let lattice = try Lattice(lx: l, ly: l, boundary: .periodic)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: w, mu: 0),
                                        seed: seed, realization: r)
        let filling = try Filling(filling: 5.0 / 6.0, siteCount: l * l)
        let patches = GroundStateStudy(settings: settings(.patches, window: window, halo: halo, interior: interior, spacing: spacing, tol: tol))
        let dense = GroundStateStudy(settings: settings(.dense, window: window, halo: halo, interior: interior, spacing: spacing, tol: tol))
        let p = try patches.realization(model, realization: r, filling: filling, interactions: us)
        let d = try dense.realization(model, realization: r, filling: filling, interactions: us)
        #expect(p.window == d.window, "window \(p.window) vs \(d.window)")
        #expect(p.localizationDefinition == "window_states")
        // The exact core and the patch path's problem.
        let all = try DenseEigensolver.solve(model.hamiltonian(), selection: .levels(0..<d.window.upperBound), vectors: true)
        let exact = try GroundStateProblem(pairs: all, window: d.window, totalParticles: filling.particles)
        let exactCore = GroundStateProblem.coreDensity(pairs: all, below: d.window.lowerBound)
        let pp = try patches.patchProblem(model, filling: filling, realization: r)
        #expect(pp.window == d.window)
        // The plan: at least 9 patches, none reaching around the lattice.
        let layout = pp.info["patches"]?["layout"]
        #expect(layout?["patches"] != nil && layout?["wraps"] == .bool(false), "plan: \(String(describing: layout))")
        if case .int(let count)? = layout?["patches"] { #expect(count >= 9, "\(count) patches") }
        // max |delta n| from the core shifts it implies is <= max |delta n| (sum_i |phi_a(i)|^2 = 1).
        let shiftError = zip(pp.problem.coreShift, exact.coreShift).map { abs($0 - $1) }.max()!
        #expect(shiftError <= maxShiftError, "core shift error \(shiftError)")
        _ = exactCore
        for (ui, u) in us.enumerated() {
            let a = p.runs[ui], b = d.runs[ui]
            // E1 is invariant under flipping every spin, and flipping one distant moment
            // changes it by chi between far-apart states (~1e-10): the orientation is not
            // physics (summary.json's spin_orientation_note). Compared: the occupation n_a of
            // every level and the polarized count.
            #expect(a.result.occupations.total == b.result.occupations.total, "W = \(w) r = \(r) U = \(u): occupations differ")
            #expect(a.observables.polarized == b.observables.polarized)
            // E1 without the constant core terms, each path's problem at each path's minimum:
            // the window part moves by at most U max|delta n| per window particle (the Hartree
            // shifts), and chi by the compression's 1e-12.
            func windowEnergy(_ q: GroundStateProblem, _ o: Occupations) -> Double {
                q.energy(o, U: u) - q.coreBandEnergy - u * q.coreSelfOverlap
            }
            let bound = 2 * abs(u) * shiftError * Double(exact.particles) + 1e-6
            for o in [a.result.occupations, b.result.occupations] {
                #expect(abs(windowEnergy(pp.problem, o) - windowEnergy(exact, o)) <= bound, "U = \(u): window E1 off by more than \(bound)")
            }
            let minimum = windowEnergy(pp.problem, a.result.occupations) - windowEnergy(exact, b.result.occupations)
            #expect(abs(minimum) <= bound, "U = \(u): the two minima differ by \(minimum), bound \(bound)")
        }
        print("patches vs dense \(l) x \(l) W = \(w) r = \(r): window \(p.window), polarized \(p.runs.map(\.observables.polarized)), core shift error \(shiftError), core error estimate \(pp.coreErrorEstimate)")
    }

    /// 40 x 40, W = 40, window levels:24, the pilot's layout (as the patch solver's own test),
    /// probes 10 apart (core shift error 1.1e-5 there: the fast case asserts 1e-4), one realization, U = 0.5, 1, 2: the small version of the 100 x 100
    /// W = 20 case below. (Forced halos of 8-10 at W = 30-40 on 40 x 40 leave states the
    /// re-solves cannot reach without wrapping: the window is then, rightly, not certified.)
    @Test(.slow, .tags(.slow)) func matchesDenseAtStrongDisorder() throws {
        try Self.compare(size: 40, disorder: 40, seed: 5, realization: 0, window: .levels(24), halo: nil, interior: nil, spacing: 10,
                         us: [0.5, 1, 2], maxShiftError: 1e-4)
    }

    /// 100 x 100, W = 20, halo 20, interior 33 (16 patches of 73 x 73), probes 20 apart, 3 realizations,
    /// U = 0.5, 1, 2 (FERMIGLASS_SLOW_TESTS=1: dense references of 10^4 sites; run in release).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERMIGLASS_SLOW_TESTS"] == "1"))
    func matchesDenseAt100Slow() throws {
        for r in 0..<3 {
            try Self.compare(size: 100, disorder: 20, realization: r, window: .energy(0.5), halo: 20, interior: 33, spacing: 20,
                             us: [0.5, 1, 2], maxShiftError: 1e-5)
        }
    }

    /// A plan that cannot fit is refused before anything is allocated (exit 64, nothing
    /// written): 2000 x 2000, energy:0.5 is ~6 x 10^5 window states, whose chi_ac table alone
    /// would be ~3 TB; the message names the chi table.
    @Test func refusesAPlanThatCannotFit() throws {
        let dir = CLI.scratch("gs-patches-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["ground-state", "--preset", "paper", "--size", "2000", "--solver", "patches", "--window", "energy:0.5",
                             "--U", "1", "--output", dir.path], environment: ["FERMIGLASS_MEMORY_LIMIT": "16G"])
        #expect(r.status == 64, "exit \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains("chi_ac of the window states"), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
