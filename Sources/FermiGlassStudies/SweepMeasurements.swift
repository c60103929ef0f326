import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// What a sweep measures on one unit (size, W, filling, realization), through
/// ``GroundStateStudy`` with the unit's per-size method (solver, window, algorithm, proposals):
///
/// * `L_loc` — < IPR^(-1/2) > over the states the study computed: all states on the dense
///   path, the window's states on the sparse path (`L_loc_states` says which), and
///   `L_loc_window` over the window's states;
/// * `fermi_energy` — midway between levels N/2 - 1 and N/2; `window_states`;
/// * for each U of the sweep (one row per U), the first-order ground state in the window:
///   `polarized` (singly occupied window levels), `moment_sites` (sites with |m_i| above 0.05),
///   `energy` (E1 with the frozen core), `census_one_sided`, `census_two_sided`, `abs_Sz`;
/// * the finite-size-scaling columns of ``FiniteSizeScaling/unitColumns(_:)`` and
///   ``FiniteSizeScaling/rowColumns(_:run:U:)`` (N(0), <IPR>, mu*, occupation bins).
///
/// Only deterministic values: same unit, same numbers (no timings).
public enum SweepMeasurements {
    /// The study a sweep runs for `method` (MC streams seeded by the sweep seed). The method's
    /// values are typed, checked once when the configuration is read (``SweepConfig``).
    public static func study(_ method: SweepConfig.Method, seed: UInt64) -> GroundStateStudy {
        var s = GroundStateStudy.Settings()
        s.window = method.window
        s.algorithm = method.algorithm
        s.proposals = method.proposals
        s.solver = method.solver
        s.seed = seed
        s.keepDetails = false
        return GroundStateStudy(settings: s)
    }

    public static func compute(_ unit: SweepUnit, config: SweepConfig, method: SweepConfig.Method) throws -> [JSON] {
        let lattice = try Lattice(lx: unit.size.lx, ly: unit.size.ly, boundary: config.boundary)
        let params = ModelParameters(t1: config.t1, t2: config.t2, disorderStrength: unit.disorderStrength, mu: config.mu)
        let filling = try Filling(filling: unit.filling, siteCount: lattice.siteCount)
        let model = try DisorderedModel(lattice: lattice, parameters: params, seed: config.seed, realization: unit.realization)
        let study = study(method, seed: config.seed)
        let d = try study.realization(model, realization: unit.realization, filling: filling, interactions: config.interactions)
        let base: [(String, JSON)] = [
            ("particles", .int(filling.particles)),
            ("fermi_energy", .number(d.fermiEnergy)),
            ("L_loc", .number(Localization.length(ipr: d.localizationIPR))),
            ("L_loc_states", .string(d.sparse ? "window" : "all")),
            ("L_loc_window", .number(Localization.length(ipr: d.windowIPR))),
            ("window_states", .int(d.xi.count)),
        ] + FiniteSizeScaling.unitColumns(d)
        if config.interactions.isEmpty { return [.object(base)] }
        return zip(config.interactions, d.runs).map { u, run in
            let o = run.observables
            return .object([("U", .number(u))] + base + [
                ("polarized", .int(o.polarized)),
                ("moment_sites", .int(o.sitesAboveThreshold)),
                ("energy", .number(run.result.energy)),
                ("census_one_sided", .int(run.census.oneSided)),
                ("census_two_sided", .int(run.census.twoSided)),
                ("abs_Sz", .number(o.totalSz)),
            ] + FiniteSizeScaling.rowColumns(d, run: run, U: u))
        }
    }
}
