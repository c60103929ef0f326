import Foundation
import Testing
import FermiGlassModel
import FermiGlassBench
import FermiGlassTestSupport

/// The patch measurement of `bench patch-decay` (issue 17, first step).
@Suite(.slow, .tags(.slow)) struct PatchDecayTests {
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
