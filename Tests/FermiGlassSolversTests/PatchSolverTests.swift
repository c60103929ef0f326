import Testing
import FermiGlassModel
@testable import FermiGlassSolvers

/// The localized-patch window solver against independent references: the dense spectrum of
/// the whole lattice (same count, every eigenvalue within its reported bound, every state's
/// overlap with the exact one consistent with 1 - |<phi|psi>| <= (r / gap)^2, clusters as
/// subspaces), and its certificate under forced faults.
@Suite struct PatchSolverTests {
    static func model(_ l: Int, w: Double, seed: UInt64 = 5) throws -> DisorderedModel {
        try DisorderedModel(lattice: Lattice(lx: l, ly: l), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: w),
                            seed: seed, realization: 0)
    }

    static func request(_ m: DisorderedModel, _ window: FermiWindow, _ options: PatchOptions = PatchOptions()) throws -> EigenRequest {
        let f = try Filling(filling: 5.0 / 6.0, siteCount: m.lattice.siteCount).fermiIndex
        return EigenRequest(solver: .patches, selection: .fermiWindow(fermiIndex: f, window: window),
                            storage: .local(lattice: m.lattice, maxDiscardedWeight: 1e-14), model: m, patches: options)
    }

    /// Every patch test's plan: at least 9 patches, none reaching around the lattice.
    static func checkPlan(_ report: PatchReport?) throws {
        let layout = try #require(report?.layout)
        #expect(layout.count >= 9)
        #expect(!layout.anyPatchWraps)
    }

    /// The patch window against the dense spectrum of the whole lattice.
    static func compareWithDense(_ m: DisorderedModel, _ solution: EigenSolution, selection: StateSelection) throws {
        let h = m.hamiltonian()
        let report = try #require(solution.patches)
        let states = try #require(solution.local)
        let exact = try DenseEigensolver.solve(h)
        let first = try #require(states.firstLevel)
        // The same number of states as the exact spectrum holds in the certified window.
        let (lower, upper) = report.window
        let inside = exact.values.indices.filter { exact.values[$0] >= lower && exact.values[$0] < upper }
        if case .fermiWindow(_, .energy) = selection {
            #expect(inside.count == states.count)
            #expect(inside.first == first)
        }
        for a in 0..<states.count {
            let level = first + a
            let bound = report.bounds[a], r = report.residuals[a]
            #expect(abs(states.values[a] - exact.values[level]) <= bound * (1 + 1e-9) + 1e-13)
            #expect(r <= report.certificate!.residualTolerance)
            // Gap from the patch energy to every other exact level.
            var gap = Double.infinity
            for b in 0..<exact.count where b != level { gap = min(gap, abs(states.values[a] - exact.values[b])) }
            if r / gap < 0.1 {
                var o = 0.0
                states.forEachComponent(of: a) { i, x in o += x * exact.component(i, of: level) }
                #expect(1 - abs(o) <= (r / gap) * (r / gap) + 1e-12, "state \(a): 1 - |<phi|psi>| = \(1 - abs(o)), r = \(r), gap = \(gap)")
            } else {
                // A cluster closer than its residuals: the state must lie in the span of the
                // exact states within 10 r of it, to (r / gap to the others)^2.
                let near = exact.values.indices.filter { abs(exact.values[$0] - states.values[a]) <= 10 * r + 1e-12 }
                var projected = 0.0
                for b in near {
                    var o = 0.0
                    states.forEachComponent(of: a) { i, x in o += x * exact.component(i, of: b) }
                    projected += o * o
                }
                let outside = exact.values.indices.filter { !near.contains($0) }.map { abs(exact.values[$0] - states.values[a]) }.min()!
                #expect(1 - projected <= (r / outside) * (r / outside) + 1e-12)
            }
        }
    }

    @Test(arguments: [(48, 30.0, FermiWindow.energy(0.8), 1e-6), (56, 20.0, .levels(30), 1e-4)])
    func matchesTheDenseSpectrumAtStrongDisorder(size: Int, w: Double, window: FermiWindow, tol: Double) throws {
        let m = try Self.model(size, w: w)
        let request = try Self.request(m, window, PatchOptions(residualTolerance: tol))
        let solution = try Eigensolver.solve(m.hamiltonian(), request)
        print("patch-test \(size) W=\(w): \(solution.patches!.pilot) layout \(solution.patches!.layout.map { "\($0.interior)+\($0.halo) x\($0.count)" } ?? "-") passes \(solution.patches!.passes) dup \(solution.patches!.duplicatesRemoved) rr \(solution.patches!.rayleighRitzClusters) resolved \(solution.patches!.resolved) \(solution.diagnostics.timings)")
        try Self.checkPlan(solution.patches)
        #expect(solution.diagnostics.certified, "\(solution.diagnostics.notes)")
        #expect(solution.patches?.fallback == nil)
        #expect(solution.local!.count >= 40)
        try Self.compareWithDense(m, solution, selection: request.selection)
        if case .levels(let k) = window {
            #expect(solution.local!.count == 2 * k)
            let f = try Filling(filling: 5.0 / 6.0, siteCount: m.lattice.siteCount).fermiIndex
            #expect(solution.local!.firstLevel == f - k)
        }
    }
}
