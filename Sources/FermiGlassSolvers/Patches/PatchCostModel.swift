import Foundation
import FermiGlassModel

/// The one cost table `--solver auto` uses to choose between the global shift-invert engine
/// and the localized patches for a window of states around E_F (docs/benchmarks/patches.md,
/// "Seventh session"). Both costs are wall seconds of one process on the shared 2-core machine;
/// only their ratio matters for the choice.
///
/// Global engine: the window is cut into slices of ~160 states, each a factorization of the
/// whole lattice's H - sigma plus a Krylov run on V sites, so a state costs
///
///     t_global = g (V / V0)^1.5 per state,   V0 = 1.6 x 10^5,
///
/// (g from the 400 x 400 W = 12 energy:0.05 run: 204 s for 1190 states; the 1000 x 1000
/// levels:100 run of 423 s for 200 states agrees within 25%). Level windows (`levels:K`) are
/// always left to the global engine (see ``autoChoice(_:sites:)``).
///
/// Patches: interiors I = 2h, patches P = 4h (h the halo), (L / I)^2 patches, each solving
/// the rho P^2 (2 D + 2 m) states of the window (width 2 D) plus its margin m at c per state
/// per patch site, so
///
///     t_patches = c rho (2 D + 2 m) 64 h^2 V,
///
/// with c the effective cost (pass 1, re-solves, Rayleigh-Ritz and checks together) measured
/// on the same machine, rho the density of states per site per t1 near E_F, and the halo
/// h = xi(W) ln(0.1 / tol) + 2 xi(W) from the transfer-matrix localization length
/// (patch-decay.md: halo 100-120 at W = 9, 60-90 at W = 12 for tol 1e-6). Below W = 8 the
/// states are too extended for patches (W = 6: xi > 26), and auto never picks them.
public enum PatchCostModel {
    /// g: global-engine seconds per state at V0 sites.
    public static let globalSecondsPerState = 0.171
    public static let referenceSites = 1.6e5
    /// c: patch seconds per state per patch site (everything included). The sixth session's
    /// 1.9e-6 times 0.81, the CPU time of the 1000 x 1000 levels:100 patch run after the
    /// per-patch solve lost its inertia counts (255.7 s against 314.4 s, patches.md "Eighth
    /// session"); the global engine's g was not re-measured.
    public static let patchSecondsPerStateSite = 1.55e-6
    /// rho: states per site per t1 near E_F on the paper model (0.074 at W = 12, 0.1 at W = 9).
    public static func density(disorder w: Double) -> Double { w >= 12 ? 0.074 : 0.1 }

    /// xi(W) near E_F (transfer matrix, strips of width 128, patch-decay.md), nil below W = 8.
    public static func localizationLength(disorder w: Double) -> Double? {
        guard w >= 8 else { return nil }
        // Measured 8.35 at W = 9 and 4.51 at W = 12; interpolated as 1 / xi linear in W.
        let inverse = 1 / 8.35 + (w - 9) * (1 / 4.51 - 1 / 8.35) / 3
        return 1 / max(inverse, 1 / 8.35 / 4)
    }

    /// The halo the pilot is expected to pick for tolerance `tol`, nil when patches do not pay.
    public static func expectedHalo(disorder w: Double, tolerance tol: Double) -> Int? {
        guard let xi = localizationLength(disorder: w) else { return nil }
        return Int((xi * (log(0.1 / tol) + 2)).rounded(.up))
    }

    /// Estimated seconds of the global engine for `states` states on `sites` sites.
    public static func globalSeconds(states: Int, sites: Int) -> Double {
        globalSecondsPerState * Double(states) * pow(Double(sites) / referenceSites, 1.5)
    }

    /// Estimated seconds of the patch solver for a window of `states` states, nil when
    /// patches cannot run (weak disorder, or a halo above a third of the shorter side).
    public static func patchSeconds(states: Int, lattice: Lattice, disorder w: Double, tolerance tol: Double, scale: Double) -> Double? {
        guard let h = expectedHalo(disorder: w, tolerance: tol), 3 * h <= min(lattice.lx, lattice.ly) else { return nil }
        let v = Double(lattice.siteCount), rho = density(disorder: w)
        let width = Double(states) / (rho * v)
        let margin = PatchRun.margin(tolerance: tol * scale, scale: scale)
        // Patches never exceed the lattice: at most (L)^2 sites each, at least one patch.
        let patchSites = min(16 * Double(h * h), v), patches = max(1, v / (4 * Double(h * h)))
        return patchSecondsPerStateSite * rho * (width + 2 * margin) * patchSites * patchSites * patches
    }

    /// The solver `auto` picks for `request` on `sites` sites above the dense limit (which
    /// ``AutoSolverTable/choice(_:sites:selection:request:)`` applies first): patches when the
    /// request carries its model, asks for a window around E_F or an energy range, and the
    /// patch estimate is below the global one; nil to leave the choice to the size rule.
    public static func autoChoice(_ request: EigenRequest, sites n: Int) -> SolverChoice? {
        guard let model = request.model else { return nil }
        let w = model.parameters.disorderStrength
        let rho = density(disorder: w)
        let states: Int
        switch request.selection {
        // A level window stays global: the patch path's level cut is not certified when two
        // levels closer than their residuals straddle the cut (measured at 1000 x 1000
        // levels:100, patches.md "Eighth session"), and its estimate is a tie with g's there.
        case .fermiWindow(_, .levels): return .shiftInvert
        case .fermiWindow(_, .energy(let d)): states = Int(2 * d * rho * Double(n))
        case .energies(let e): states = Int((e.upperBound - e.lowerBound) * rho * Double(n))
        default: return nil
        }
        // ||H||_inf of the paper model: 4 |t1| + 4 |t2| + W / 2 + |mu| bounds it; the tolerance
        // is relative to it.
        let p = model.parameters
        let scale = 4 * abs(p.t1) + 4 * abs(p.t2) + w / 2 + abs(p.mu)
        guard let patches = patchSeconds(states: max(states, 1), lattice: model.lattice, disorder: w,
                                         tolerance: request.patches.residualTolerance, scale: scale) else { return .shiftInvert }
        return patches < globalSeconds(states: max(states, 1), sites: n) ? .patches : .shiftInvert
    }
}
