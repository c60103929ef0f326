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

    /// 100 x 100, W = 20, halo 20, interior 33 (16 patches of 73 x 73), probes 50 apart (20 apart
    /// leaves a 6.9e-5 core error at W = 20, PatchCoreTests), 3 realizations,
    /// U = 0.5, 1, 2 (FERMIGLASS_SLOW_TESTS=1: dense references of 10^4 sites; run in release).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERMIGLASS_SLOW_TESTS"] == "1"))
    func matchesDenseAt100Slow() throws {
        for r in 0..<3 {
            try Self.compare(size: 100, disorder: 20, realization: r, window: .energy(0.5), halo: 20, interior: 33, spacing: 50,
                             us: [0.5, 1, 2], maxShiftError: 1e-5)
        }
    }

    /// 200 x 200, W = 9, window energy:0.05: the patch path's window against the global sliced
    /// engine (shift-invert, whole lattice): the same levels, eigenvalues within the sum of both
    /// residuals, and every chi_ac of the patch path's sparse chi (pairs whose rectangles meet;
    /// the others 0) within its bound of the global states' dense chi:
    ///
    ///     |chi_ac - chi'_ac| <= ||dp_a||_1 + ||dp_c||_1 + w_a + w_c,  ||dp_a||_1 <= 2 sqrt(2) (s_a + s'_a),
    ///
    /// with p = |phi|^2, s = min(1, residual / gap) (Davis-Kahan; gap to the nearest other
    /// window level or certified window edge, less the largest eigenvalue error) and w the
    /// discarded weight. E1 is not compared (the global path's core is the looser one). At
    /// W = 9 and 200 x 200 the patch solver falls back to the global engine (the halo for
    /// tol 1e-6 exceeds a third of the side): the comparison then checks the compression and
    /// the sparse chi of the patch path (bounds w_a + w_c) against the dense chi.
    /// FERMIGLASS_SLOW_TESTS=1 (two solves of 4 x 10^4 sites; run it in release).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERMIGLASS_SLOW_TESTS"] == "1"))
    func windowAndChiMatchGlobalEngineAt200Slow() throws {
        let l = 200
        let lattice = try Lattice(lx: l, ly: l, boundary: .periodic)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                                        seed: 1, realization: 0)
        let h = model.hamiltonian()
        let f = try Filling(filling: 5.0 / 6.0, siteCount: l * l).fermiIndex
        let selection = StateSelection.fermiWindow(fermiIndex: f, window: .energy(0.05))
        let patch = try Eigensolver.solve(h, EigenRequest(solver: .patches, selection: selection, vectors: true,
                                                          storage: .local(lattice: lattice, maxDiscardedWeight: 1e-12), model: model,
                                                          patches: PatchOptions()))
        let global = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: selection, vectors: true))
        #expect(patch.diagnostics.certified && global.diagnostics.certified)
        let local = try #require(patch.local), report = try #require(patch.patches)
        let pairs = global.pairs
        print("200 x 200 W = 9: \(local.count) patch states (fallback: \(report.fallback ?? "none"), layout \(String(describing: report.layout))), \(pairs.count) global")
        #expect(local.firstLevel == pairs.firstLevel && local.count == pairs.count)
        guard local.count == pairs.count, local.count > 1 else { return }
        let k = local.count
        // Residuals of the states as stored (the report has none when the patch solver fell back).
        let rp = local.residuals(of: h), rg = pairs.residuals(of: h)
        var worstValue = 0.0
        for a in 0..<k {
            let d = abs(local.values[a] - pairs.values[a])
            worstValue = max(worstValue, d / (rp[a] + rg[a] + 1e-13))
            #expect(d <= rp[a] + rg[a] + 1e-13, "level \(a): |dE| = \(d)")
        }
        let slack = (rp.max() ?? 0) + (rg.max() ?? 0)
        var s = [Double](repeating: 0, count: k)
        for a in 0..<k {
            var gap = min(pairs.values[a] - report.window.lower, report.window.upper - pairs.values[a])
            if a > 0 { gap = min(gap, pairs.values[a] - pairs.values[a - 1]) }
            if a + 1 < k { gap = min(gap, pairs.values[a + 1] - pairs.values[a]) }
            gap -= slack
            s[a] = gap > 0 ? min(1, rp[a] / gap) + min(1, rg[a] / gap) : 2
        }
        let meeting = MeetingOverlaps(local)
        let sparse = meeting.overlap.dense(), exact = Overlaps.chi(pairs)
        var worst = 0.0, worstRatio = 0.0, informative = 0
        for a in 0..<k {
            for c in 0..<k {
                let d = abs(sparse[a + c * k] - exact[a + c * k])
                let bound = 2 * 2.0.squareRoot() * (s[a] + s[c]) + local.discardedWeight(of: a) + local.discardedWeight(of: c) + 1e-12
                if bound < 0.1 { informative += 1 }
                worst = max(worst, d)
                worstRatio = max(worstRatio, d / bound)
                #expect(d <= bound, "chi_{\(a),\(c)}: |d| = \(d) > bound \(bound)")
            }
        }
        print("200 x 200 W = 9: eigenvalues within \(worstValue) of their bound; chi: max |d| = \(worst), max |d| / bound = \(worstRatio), \(informative) of \(k * k) bounds below 0.1; pairs meeting \(meeting.pairsMeeting) of \(meeting.pairsTotal)")
    }

    /// A plan that cannot fit is refused before anything is allocated (exit 64, nothing
    /// written): 2000 x 2000, energy:0.5 is ~6 x 10^5 window states, whose compressed vectors
    /// alone would be ~190 GB (and the sparse chi ~170 GB); the message names the largest part.
    @Test func refusesAPlanThatCannotFit() throws {
        let dir = CLI.scratch("gs-patches-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["ground-state", "--preset", "paper", "--size", "2000", "--solver", "patches", "--window", "energy:0.5",
                             "--U", "1", "--output", dir.path], environment: ["FERMIGLASS_MEMORY_LIMIT": "16G"])
        #expect(r.status == 64, "exit \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains("compressed window states"), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
