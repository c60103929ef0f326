import Foundation
import Testing
import FermiGlassModel
@testable import FermiGlassSolvers
import FermiGlassTestSupport

/// The localized-patch window solver against independent references: the dense spectrum of
/// the whole lattice (same count, every eigenvalue within its reported bound, every state's
/// overlap with the exact one consistent with 1 - |<phi|psi>| <= (r / gap)^2, clusters as
/// subspaces), and its certificate under forced faults.
@Suite(.slow, .tags(.slow)) struct PatchSolverTests {
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

    @Test(arguments: [(60, 30.0, FermiWindow.energy(0.5), 1e-6), (40, 40.0, .levels(24), 1e-6)])
    func matchesTheDenseSpectrumAtStrongDisorder(size: Int, w: Double, window: FermiWindow, tol: Double) throws {
        let m = try Self.model(size, w: w)
        let request = try Self.request(m, window, PatchOptions(residualTolerance: tol))
        let solution = try Eigensolver.solve(m.hamiltonian(), request)
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

    /// A layout forced far too thin (halo 1) leaves residuals ~1e-2: the second pass re-solves
    /// them on centred patches and the window is certified; with the repair disabled it is not,
    /// and the certificate names the states above tolerance.
    @Test func tooThinLayoutIsRepairedOrNotCertified() throws {
        let m = try Self.model(40, w: 40)
        let thin = PatchOptions(halo: 1, interior: 8)
        let repaired = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), thin))
        try Self.checkPlan(repaired.patches)
        let report = try #require(repaired.patches)
        #expect(report.resolved > 0 && report.passOfState.contains(2))
        #expect(repaired.diagnostics.certified, "\(repaired.diagnostics.notes)")
        try Self.compareWithDense(m, repaired, selection: .fermiWindow(fermiIndex: 0, window: .energy(0.8)))

        var off = thin
        off.repair = false
        let raw = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), off))
        try Self.checkPlan(raw.patches)
        let certificate = try #require(raw.patches?.certificate)
        #expect(!raw.diagnostics.certified && !certificate.certified)
        #expect(!certificate.aboveTolerance.isEmpty)
        let reason = try #require(certificate.reasons.first { $0.contains("above the residual tolerance") })
        for a in certificate.aboveTolerance.prefix(20) { #expect(reason.contains("\(a) (E = \(raw.local!.values[a])")) }
    }

    /// A state removed or returned twice after the patches (test hooks) breaks the certificate:
    /// the inertia count no longer matches (and a copy is not orthogonal to itself). The
    /// untouched solve, repeated, is bit-identical.
    @Test func missingOrDuplicatedStateIsNotCertified() throws {
        let m = try Self.model(40, w: 40)
        let base = PatchOptions(halo: 6, interior: 8)
        let good = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), base))
        try Self.checkPlan(good.patches)
        #expect(good.diagnostics.certified, "\(good.diagnostics.notes)")
        let n = good.local!.count
        // Deterministic: the same request again gives the same bits.
        let again = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), base))
        #expect(again.local!.values == good.local!.values)
        #expect(again.local!.compressedColumns().data == good.local!.compressedColumns().data)

        var drop = base
        drop.dropState = 5
        let missing = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), drop))
        let c1 = try #require(missing.patches?.certificate)
        #expect(!missing.diagnostics.certified && c1.found == n - 1 && c1.expected == n)
        #expect(c1.reasons.contains { $0.contains("1 missing") })

        var twice = base
        twice.duplicateState = 5
        let duplicated = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .energy(0.8), twice))
        let c2 = try #require(duplicated.patches?.certificate)
        #expect(!duplicated.diagnostics.certified && c2.found == n + 1)
        #expect(c2.reasons.contains { $0.contains("1 too many") })
        #expect(c2.maxOrthogonalityError > 0.99)
    }

    /// Clean and weakly disordered lattices: states too extended for any halo below a third of
    /// the shorter side, so the global engine solves the window and says so.
    @Test(arguments: [0.0, 6.0])
    func extendedStatesFallBackToTheGlobalEngine(w: Double) throws {
        let m = try Self.model(36, w: w)
        let solution = try Eigensolver.solve(m.hamiltonian(), Self.request(m, .levels(10)))
        let reason = try #require(solution.patches?.fallback)
        #expect(reason.contains("a third of the shorter side"))
        #expect(solution.diagnostics.notes.contains { $0.0 == "fallback" && $0.1 == reason })
        #expect(solution.diagnostics.method.hasPrefix("patches fell back to shift-invert"))
        #expect(solution.diagnostics.certified && solution.local?.count == 20)
        #expect(!(solution.patches?.pilot.isEmpty ?? true))
    }

    /// The layout's interiors tile the lattice (every site owned by exactly the patch whose
    /// interior holds it), patches are interiors grown by the halo, and bounding regions take
    /// the shorter way around a periodic direction.
    @Test func layoutTilesTheLattice() throws {
        let lattice = try Lattice(lx: 37, ly: 30)
        let layout = try PatchLayout(lattice: lattice, interior: 10, halo: 4)
        #expect(layout.columns == 4 && layout.rows == 3 && !layout.anyPatchWraps)
        var owners = [Int](repeating: 0, count: lattice.siteCount)
        for p in 0..<layout.count {
            let inner = layout.interiorRegion(p), patch = layout.patchRegion(p)
            #expect(patch.width == inner.width + 8 && patch.height == inner.height + 8)
            for i in lattice.sites(of: inner) {
                owners[i] += 1
                #expect(layout.owner(of: i) == p)
                #expect(lattice.distanceToEdge(of: i, in: patch)! >= 4)
            }
        }
        #expect(owners.allSatisfy { $0 == 1 })
        let a = try lattice.region(x0: 34, y0: 0, width: 5, height: 3), b = try lattice.region(x0: 1, y0: 2, width: 3, height: 3)
        let u = lattice.boundingRegion(of: [a, b])
        #expect(u.x0 == 34 && u.width == 7 && u.y0 == 0 && u.height == 5)
    }

    /// Against the global sliced shift-invert engine at 200 x 200, W = 12 (slow: set
    /// FERMIGLASS_SLOW_TESTS=1): the same number of states, each eigenvalue within its bound,
    /// each overlap within (r / gap)^2 (gap from a reference window 0.02 wider on each side).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FERMIGLASS_SLOW_TESTS"] == "1"))
    func matchesTheGlobalEngineAt200() throws {
        let m = try Self.model(200, w: 12, seed: 1)
        let h = m.hamiltonian()
        let solution = try Eigensolver.solve(h, Self.request(m, .energy(0.05)))
        try Self.checkPlan(solution.patches)
        #expect(solution.diagnostics.certified, "\(solution.diagnostics.notes)")
        let report = try #require(solution.patches), states = try #require(solution.local)
        let (lower, upper) = report.window
        let reference = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: .energies((lower - 0.02)...(upper + 0.02)),
                                                              storage: .local(lattice: m.lattice, maxDiscardedWeight: 0)))
        let exact = try #require(reference.local)
        let inside = exact.values.indices.filter { exact.values[$0] >= lower && exact.values[$0] < upper }
        #expect(inside.count == states.count && inside.first.map { exact.firstLevel! + $0 } == states.firstLevel)
        var scratch = [Double](repeating: 0, count: h.rowCount)
        for a in 0..<min(states.count, inside.count) {
            let b = inside[a], r = report.residuals[a]
            #expect(abs(states.values[a] - exact.values[b]) <= report.bounds[a] * (1 + 1e-9) + 1e-13)
            var gap = Double.infinity
            for c in exact.values.indices where c != b { gap = min(gap, abs(states.values[a] - exact.values[c])) }
            guard r / gap < 0.1 else { continue }
            exact.forEachComponent(of: b) { i, x in scratch[i] = x }
            var o = 0.0
            states.forEachComponent(of: a) { i, x in o += x * scratch[i] }
            exact.forEachComponent(of: b) { i, _ in scratch[i] = 0 }
            #expect(1 - abs(o) <= (r / gap) * (r / gap) + 1e-12)
        }
    }
}
