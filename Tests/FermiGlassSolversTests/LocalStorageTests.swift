import Testing
import FermiGlassModel
@testable import FermiGlassSolvers
import FermiGlassTestSupport

/// The shift-invert backend with `.local` storage compresses every slice as it is solved: the
/// window must be the same as with dense storage (values, first level, certification), and each
/// stored state the dense one restricted to its rectangle.
@Suite struct LocalStorageTests {
    @Test(.slow, .tags(.slow), arguments: [(FermiWindow.energy(0.3), 1e-10), (.levels(90), 0.0)])
    func compressedSlicesEqualTheDenseWindow(window: FermiWindow, budget: Double) throws {
        let lattice = try Lattice(lx: 48, ly: 48)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 12), seed: 3, realization: 0)
        let h = model.hamiltonian()
        let f = try Filling(filling: 5.0 / 6.0, siteCount: lattice.siteCount).fermiIndex
        // Small slices so that the window is several slices.
        let engine = ShiftInvertOptions(sliceCapacity: 40)
        let dense = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: f, window: window), engine: engine))
        let local = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: f, window: window), engine: engine,
                                                          storage: .local(lattice: lattice, maxDiscardedWeight: budget)))
        let states = try #require(local.local)
        #expect(dense.pairs.count > 80 && dense.diagnostics.certified && local.diagnostics.certified)
        #expect(local.pairs.values == dense.pairs.values && local.pairs.firstLevel == dense.pairs.firstLevel)
        #expect(states.values == dense.pairs.values && states.firstLevel == dense.pairs.firstLevel)
        #expect(local.pairs.vectors.isEmpty && local.fermiLevel == dense.fermiLevel)
        // Each stored amplitude is the dense one at the same site; the weight outside is the discarded weight.
        for a in 0..<states.count {
            let column = dense.pairs.vector(a)
            var kept = 0.0
            states.forEachComponent(of: a) { i, x in
                #expect(x == column[i])
                kept += x * x
            }
            let total = column.reduce(0) { $0 + $1 * $1 }
            #expect(abs(total - kept - states.discardedWeight(of: a)) < 1e-13)
            #expect(states.discardedWeight(of: a) <= budget * (1 + 1e-9))
        }
        // The checks of Eigensolver ran on the stored states.
        #expect(local.diagnostics.maxResidual <= dense.diagnostics.maxResidual + (2 * h.infinityNorm) * budget.squareRoot() + 1e-12)
        #expect(local.diagnostics.counters.contains { $0.0 == "stored_bytes" && $0.1 == states.bytes })
    }
}
