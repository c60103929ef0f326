#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// Unrestricted collinear Hartree-Fock for the Hubbard model H = H0 + U sum_i n_i,up n_i,dn
/// (the paper's Eqs. 5-6 and A1 with a Hubbard interaction):
///
///     H_s = H0 + U diag(<n_i,-s>),            s = up, dn,
///
/// solved self-consistently at fixed total particle number N. The HF energy is the expectation
/// value of H in the Slater determinant of the occupied orbitals (Eq. 14):
///
///     E_HF = sum_{occupied a,s} E_as - U sum_i <n_i,up><n_i,dn>
///          = sum_{occupied a,s} <phi_as|H0|phi_as> + U sum_i <n_i,up><n_i,dn>.
///
/// Both forms are computed; they agree at self-consistency (their difference is reported).
/// Units: energies in units of the hoppings (t1 = 1 in the paper's preset); densities are per
/// spin per site, moments m_i = <n_i,up> - <n_i,dn>.
///
/// Modes:
/// * `paramagnetic`: <n_i,up> = <n_i,dn> is imposed (one spin channel is solved, the other is
///   the same array); N/2 orbitals per spin are occupied.
/// * `free`: spin-unrestricted. By default the spin split is free: at each iteration the N
///   lowest levels of the two spin channels together are occupied (aufbau over both spins, a
///   common chemical potential), so N_up is whatever minimises the energy. `spinUp` fixes N_up
///   instead. Several starts from seeded random moments; the lowest energy is kept.
///
/// Self-consistency is reached by Anderson (Pulay/DIIS) mixing of the input densities
/// (``HartreeFockOptions/Mixing``); linear mixing is available for comparison.
///
/// At W = 9 the aufbau often has no fixed point: two localized levels at E_F trade places
/// (occupying one raises it above the other by its Hartree shift ~ U IPR). With the default
/// `occupation = .automatic` the aufbau runs until it stalls (``AufbauStall``: residual above
/// 1e-4 and no factor-2 improvement of the best residual over 25 iterations), at most
/// ``HartreeFockOptions/automaticAufbauBudget`` iterations; then, from the stalled attempt's
/// best densities, the paramagnet continues by the maximum-overlap method and free mode fixes
/// that spin split and does the same per spin. Every attempt is recorded in
/// ``HartreeFockResult/runs`` (start -1 is the warm start from `initial`).
public enum HartreeFock {}

/// Which HF problem to solve.
public enum HartreeFockMode: String, CaseIterable, Sendable {
    case paramagnetic
    case free
}

/// Failures of a Hartree-Fock run, with what to change.
public enum HartreeFockError: Error, Equatable, ParameterAdvising {
    case invalidArgument(Message)
    /// The self-consistency loop did not meet both tolerances.
    case notConverged(iterations: Int, densityResidual: Double, energyChange: Double, mixing: String, U: Double)
    /// The Fermi level falls inside a degenerate shell, where the Slater determinant is not unique.
    case degenerateFermiLevel(Message)

    public var description: String { message.description }

    /// The message; advice names ``Parameter``s (the CLI renders them as its options).
    public var message: Message {
        switch self {
        case .invalidArgument(let m): return m
        case .degenerateFermiLevel(let m): return m
        case .notConverged(let it, let r, let de, let mixing, let u):
            return """
                Hartree-Fock at U = \(u) did not converge in \(it) iterations with \(mixing): last density residual \
                max|n_out - n_in| = \(r), last energy change \(de). Raise \(.maxIterations), lower \(.mixingBeta), \
                use \(.mixing) anderson with a longer \(.mixingHistory), use \(.mixing) ediis (the energy never rises; \
                continue an unconverged run from its partial/ densities with \(.warmStart)), or loosen \
                \(.densityTolerance)/\(.energyTolerance). \
                If the residual stalls at order 0.1, two localized levels at the Fermi energy keep trading places \
                (occupying one raises it above the other by its Hartree shift): the aufbau state then has no \
                self-consistent solution, which is itself a sign of the instability the paper describes.
                """
        }
    }
}
