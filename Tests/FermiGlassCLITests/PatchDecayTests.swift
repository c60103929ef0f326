import Foundation
import Testing
import FermiGlassModel
import FermiGlassStudies

/// The patch measurement of `bench patch-decay` (issue 17, first step).
@Suite struct PatchDecayTests {
    /// The open patch Hamiltonian is H's principal sub-block on the square's sites, also for a
    /// square that wraps through the periodic boundary (the bonds across the seam are kept,
    /// those leaving the square are not).
    @Test func patchHamiltonianIsThePrincipalSubBlock() throws {
        let lattice = try Lattice(lx: 9, ly: 8)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 3, realization: 0)
        let h = model.hamiltonian()
        let dense = h.dense(), n = lattice.siteCount
        var sites = [Int]()
        for y in 6..<11 { for x in 7..<12 { sites.append(lattice.site(x: x % 9, y: y % 8)) } }   // 5 x 5, wraps in x and y
        var map = [Int32](repeating: -1, count: n)
        let p = PatchDecay.principalSubmatrix(h, sites: sites, map: &map)
        #expect(map.allSatisfy { $0 == -1 })
        #expect(p.structuralProblem() == nil && p.symmetryProblem() == nil)
        for (a, i) in sites.enumerated() {
            for (b, j) in sites.enumerated() { #expect(p[a, b] == dense[i + n * j], "(\(a), \(b))") }
        }
        // A corner of the square keeps 3 of its 8 bonds.
        #expect(p.rowPointers[1] - p.rowPointers[0] == 4)
    }

    /// At W = 60 (decay length below one site) the patch states converge quickly: at
    /// R = 10 every examined state's patch twin has a residual below 1e-6 ||H||, the overlap
    /// defect is below 1e-8, residuals fall from R = 2 to R = 10, and the support half-widths
    /// grow as the tolerance tightens.
    @Test func stronglyLocalizedStatesConvergeOnSmallPatches() throws {
        let o = PatchDecay.Options(size: 30, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 60), states: 3,
                                   radii: [2, 10], tolerances: [1e-2, 1e-6], candidates: 4)
        let r = try PatchDecay.measure(o)
        #expect(r.states.count == 3)
        for s in r.states {
            #expect(s.globalResidual < 1e-12)
            let (small, large) = (s.patches[0], s.patches[1])
            #expect(large.residual < 1e-6 && large.overlapDefect < 1e-8, "residual \(large.residual), defect \(large.overlapDefect)")
            #expect(small.residual > large.residual)
            let a = try #require(s.supportHalfWidth[0]), b = try #require(s.supportHalfWidth[1])
            #expect(a <= b && b <= 12)
            #expect(s.decayLength > 0 && s.decayLength < 1.5)
        }
    }
}
