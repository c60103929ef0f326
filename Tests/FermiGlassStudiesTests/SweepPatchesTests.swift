import FermiGlass
import Foundation
import Testing
import FermiGlassTestSupport

/// A sweep configuration with `"solver": "patches"` (the ground-state pipeline's patch path,
/// for sizes >= 200 x 200 in the finite-size-scaling campaigns): accepted, and a unit computed
/// with it agrees with the same unit on the dense path (slow: the 40 x 40 Chebyshev core of
/// the sweep default probes every site, about 3 min in debug).
@Suite(.slow, .tags(.slow)) struct SweepPatchesTests {
    static func config(_ solver: String) throws -> SweepConfig {
        try SweepConfig.parse(JSON.parse("""
            {"sizes": [40], "W": [40], "t2": 0.6, "fillings": [0.8333333333333334], "U": [1],
             "realizations": 1, "seed": 5, "window": "levels:24", "solver": "\(solver)", "proposals": 20000}
            """))
    }

    @Test func patchesMethodMatchesDense() throws {
        let patches = try Self.config("patches"), dense = try Self.config("dense")
        #expect(patches.method.solver == .patches)
        #expect(patches.method.json["solver"]?.stringValue == "patches")
        try patches.checkUnits()
        let unit = try #require(patches.units.first)
        let p = try SweepMeasurements.compute(unit, config: patches, method: patches.method(for: unit.size))
        let d = try SweepMeasurements.compute(unit, config: dense, method: dense.method(for: unit.size))
        try #require(p.count == 1 && d.count == 1)
        let a = p[0], b = d[0]
        #expect(a["particles"] == b["particles"])
        // E_F from the certified window's levels: patch eigenvalues within their residual bounds.
        let ef = try #require(a["fermi_energy"]?.doubleValue), efDense = try #require(b["fermi_energy"]?.doubleValue)
        #expect(abs(ef - efDense) <= 1e-8, "E_F \(ef) vs \(efDense)")
        // The same ground state: the polarisation and E1 up to the core's patch error.
        #expect(a["abs_Sz"] == b["abs_Sz"], "\(String(describing: a["abs_Sz"])) vs \(String(describing: b["abs_Sz"]))")
        let e = try #require(a["energy"]?.doubleValue), eDense = try #require(b["energy"]?.doubleValue)
        #expect(abs(e - eDense) <= 1e-3 * max(1, abs(eDense)), "E1 \(e) vs \(eDense)")
    }

    @Test func unknownSolverIsRefusedNamingPatches() throws {
        #expect(throws: SweepError.invalidConfig("'solver' must be dense, shift-invert, patches or auto")) { try Self.config("lanczos") }
    }
}
