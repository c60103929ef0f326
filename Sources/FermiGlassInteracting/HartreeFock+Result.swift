#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// The state of a running self-consistency loop after an iteration: the next input densities
/// per spin (equal in paramagnetic mode), and the iteration's number, density residual and
/// energy (with optimal damping or energy-DIIS that of the mixed state).
public struct HartreeFockSnapshot: Sendable {
    public var up: [Double]
    public var down: [Double]
    public var iteration: Int
    public var residual: Double
    public var energy: Double
}

/// One spin channel of a converged HF solution.
public struct HartreeFockChannel: Sendable {
    /// Eigenpairs of H_s (ascending; all levels for a final solution).
    public var orbitals: Eigenpairs
    /// Number of occupied orbitals: columns 0 ..< occupied of `orbitals`. With the aufbau these
    /// are the lowest levels; with maximum overlap the occupied orbitals are moved first (each
    /// block stays ascending), so `orbitals.values` need not be ascending across the boundary.
    public var occupied: Int
    /// <n_i,s>, per site.
    public var density: [Double]

    /// The highest occupied and the lowest empty HF level, when they exist.
    public var highestOccupied: Double? { occupied > 0 ? orbitals.values[0..<occupied].max() : nil }
    public var lowestEmpty: Double? { occupied < orbitals.count ? orbitals.values[occupied...].min() : nil }
    /// Occupied levels lying above the lowest empty level (0 for an aufbau state).
    public var aufbauViolations: Int {
        guard let low = lowestEmpty else { return 0 }
        return orbitals.values[0..<occupied].filter { $0 > low }.count
    }
}

/// Convergence record of one start.
public struct HartreeFockRun: Sendable {
    public var start: Int
    public var converged: Bool
    public var iterations: Int
    public var densityResidual: Double
    public var energyChange: Double
    public var energy: Double
    /// |total S_z| = |N_up - N_dn| / 2 of this start's result.
    public var totalSz: Double
    /// The fixed N_up of this attempt (nil: free split). In free mode a start whose free-split
    /// iteration has no fixed point is retried at fixed splits around its last one.
    public var fixedSpinUp: Int?
    /// The paramagnetic occupation rule of this attempt.
    public var occupation: HartreeFockOptions.Occupation
    /// The energy of each iteration (``HartreeFock`` `Trace.energies`): with optimal damping
    /// that of the damped state, which never rises.
    public var energies: [Double] = []

    public init(start: Int, converged: Bool, iterations: Int, densityResidual: Double, energyChange: Double, energy: Double,
                totalSz: Double, fixedSpinUp: Int?, occupation: HartreeFockOptions.Occupation, energies: [Double] = []) {
        self.start = start
        self.converged = converged
        self.iterations = iterations
        self.densityResidual = densityResidual
        self.energyChange = energyChange
        self.energy = energy
        self.totalSz = totalSz
        self.fixedSpinUp = fixedSpinUp
        self.occupation = occupation
        self.energies = energies
    }
}

/// A converged Hartree-Fock solution.
public struct HartreeFockResult: Sendable {
    /// The settings of the kept attempt (`occupation` is `.maximumOverlap` when the
    /// paramagnetic aufbau had no fixed point and the fallback was kept; `spinUp` is set when a
    /// fixed-split fallback was kept).
    public var options: HartreeFockOptions
    public var up: HartreeFockChannel
    public var down: HartreeFockChannel
    /// E_HF, the variational energy of the output determinant: sum_occ <phi|H0|phi> +
    /// U sum_i n_up n_dn with the output orbitals and densities (an upper bound on nothing
    /// lower than the HF minimum; exact for the state that is returned).
    public var energy: Double
    /// The same (kept for callers that named the H0 form).
    public var energyFromH0: Double
    /// E_HF from the eigenvalues of H_s built from the input densities: sum_occ E_as -
    /// U sum_i n_up n_dn with the output densities; equals `energy` to first order in the
    /// density residual (the check of self-consistency).
    public var energyFromEigenvalues: Double = .nan
    /// The start that was kept (free mode) and every start's record.
    public var start: Int
    public var runs: [HartreeFockRun]
    /// Iterations, density residual and energy change of the kept start.
    /// Index into `runs` of the kept attempt.
    public var keptRun: Int = 0
    public var iterations: Int { runs[keptRun].iterations }
    public var densityResidual: Double { runs[keptRun].densityResidual }
    public var energyChange: Double { runs[keptRun].energyChange }

    /// m_i = <n_i,up> - <n_i,dn>.
    public var moments: [Double] { zip(up.density, down.density).map { $0 - $1 } }
    /// <n_i> = <n_i,up> + <n_i,dn>.
    public var totalDensity: [Double] { zip(up.density, down.density).map { $0 + $1 } }
    /// |total S_z| = |N_up - N_dn| / 2.
    public var totalSz: Double { abs(Double(up.occupied - down.occupied)) / 2 }
    /// Signed total S_z = (N_up - N_dn) / 2.
    public var sz: Double { Double(up.occupied - down.occupied) / 2 }
    /// Second-order stability of the kept state (nil when not computed:
    /// ``HartreeFockOptions/stability`` false).
    public var stability: HartreeFockStability? = nil
    /// rho(U^2 Pi_up Pi_dn) of the kept state (``StabilityRadius``): below 1 exactly when the
    /// Hessian is positive definite, for an aufbau state; nil when not computed or not the
    /// criterion (a spin with an empty level below an occupied one, or a degenerate pair).
    public var stabilityRadius: Double? = nil
    /// Free mode with instability following: how the kept state was reached from its start.
    public var following: InstabilityFollowing? = nil
    /// Free mode with instability following: the distinct final states of all starts, lowest
    /// first (the first is the kept state).
    public var minima: [HartreeFockMinimum] = []
    /// The input densities the kept state was diagonalized with (up then down in free mode;
    /// per spin in paramagnetic mode): they determine the state, and restore it
    /// (``HartreeFock/restore(_:h0:particles:options:)``).
    public var inputDensities: [Double] = []
    /// Number of sites with |m_i| > threshold.
    public func momentCount(threshold: Double) -> Int { moments.filter { abs($0) > threshold }.count }
    /// sum_i |m_i|.
    public var totalAbsoluteMoment: Double { moments.reduce(0) { $0 + abs($1) } }
    /// The Fermi energy: midway between the highest occupied and the lowest empty HF level over
    /// both spins (nil when every level of both spins is occupied or empty).
    public var fermiEnergy: Double? {
        let homo = [up.highestOccupied, down.highestOccupied].compactMap { $0 }.max()
        let lumo = [up.lowestEmpty, down.lowestEmpty].compactMap { $0 }.min()
        guard let h = homo, let l = lumo else { return nil }
        return 0.5 * (h + l)
    }
    /// Lowest empty minus highest occupied HF level over both spins.
    public var gap: Double? {
        let homo = [up.highestOccupied, down.highestOccupied].compactMap { $0 }.max()
        let lumo = [up.lowestEmpty, down.lowestEmpty].compactMap { $0 }.min()
        guard let h = homo, let l = lumo else { return nil }
        return l - h
    }
}

/// One distinct final state of a free-mode search: states whose energies agree to 1e-8 (relative
/// to max(1, |E|)) and whose moment maps agree to 1e-5 up to a global spin flip count as one.
public struct HartreeFockMinimum: Sendable {
    public var energy: Double
    /// Signed S_z = (N_up - N_dn) / 2.
    public var sz: Double
    /// sum_i |m_i|.
    public var totalAbsoluteMoment: Double
    /// The lowest Hessian eigenvalue of the state (negative: following stopped early).
    public var hessianMinEigenvalue: Double
    /// The starts that ended here.
    public var starts: [Int]
    /// Its moments (for the deduplication).
    public var moments: [Double]

    func isSame(as o: HartreeFockMinimum) -> Bool {
        guard abs(energy - o.energy) <= 1e-8 * max(1, abs(energy)) else { return false }
        var same = 0.0, flipped = 0.0
        for (a, b) in zip(moments, o.moments) { same = max(same, abs(a - b)); flipped = max(flipped, abs(a + b)) }
        return min(same, flipped) <= 1e-5
    }
}
