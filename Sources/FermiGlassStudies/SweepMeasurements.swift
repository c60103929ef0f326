import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// What a sweep measures on one unit (size, W, filling, realization):
///
/// * `L_loc` — < IPR^(-1/2) > over all computed states (all states on the dense path), and
///   `L_loc_window` over the window's states;
/// * `fermi_energy` — midway between levels N/2 - 1 and N/2;
/// * for each U of the sweep, the first-order ground state in the window (polarized count,
///   moment density = polarized / sites, census counts).
public enum SweepMeasurements {
    public static func compute(_ unit: SweepUnit, config: SweepConfig, method: SweepConfig.Method) throws -> [JSON] {
        let lattice = try Lattice(lx: unit.size.lx, ly: unit.size.ly, boundary: config.boundary)
        let params = ModelParameters(t1: config.t1, t2: config.t2, disorderStrength: unit.disorderStrength, mu: config.mu)
        let filling = try Filling(filling: unit.filling, siteCount: lattice.siteCount)
        let model = try DisorderedModel(lattice: lattice, parameters: params, seed: config.seed, realization: unit.realization)
        let h = model.hamiltonian()
        let solver = SolverChoice(rawValue: method.solver) ?? .auto
        let solution = try Eigensolver.solve(h, EigenRequest(solver: solver, selection: .all, vectors: true))
        let pairs = solution.pairs
        let ipr = Localization.ipr(pairs)
        let f = filling.fermiIndex
        let ef = 0.5 * (pairs.values[f - 1] + pairs.values[f])
        let windowStates: [Int]
        switch FermiWindow(method.window) ?? .levels(100) {
        case .levels(let k): windowStates = Array(max(0, f - k)..<min(pairs.count, f + k))
        case .energy(let d): windowStates = (0..<pairs.count).filter { abs(pairs.values[$0] - ef) <= d }
        }
        guard !windowStates.isEmpty else {
            throw SolverError.emptySelection("window \(method.window) around E_F = \(ef) holds no state on \(lattice)")
        }
        let base: [(String, JSON)] = [
            ("particles", .int(filling.particles)),
            ("fermi_energy", .number(ef)),
            ("L_loc", .number(Localization.length(ipr: ipr))),
            ("L_loc_window", .number(Localization.length(ipr: windowStates.map { ipr[$0] }))),
            ("window_states", .int(windowStates.count)),
        ]
        if config.interactions.isEmpty { return [.object(base)] }
        return config.interactions.map { u in .object([("U", .number(u))] + base) }
    }
}
