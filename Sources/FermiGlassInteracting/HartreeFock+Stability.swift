import FermiGlassModel
import FermiGlassSolvers

/// Second-order stability of a converged HF state: the lowest eigenvalue of its collinear
/// orbital Hessian (``HartreeFockHessian``).
public struct HartreeFockStability: Sendable {
    /// The lowest eigenvalue of the orbital Hessian d^2E/dkappa^2 (units of t1).
    public var hessianMinEigenvalue: Double
    /// ||H kappa - lambda kappa|| of that eigenpair.
    public var residual: Double
    /// The number of real spin-conserving occupied-empty rotations (the Hessian's dimension).
    public var dimension: Int
    /// Hessian-vector products used.
    public var applications: Int
    /// The lowest mode kappa (unit norm; ``HartreeFockHessian`` layout).
    public var mode: [Double]

    /// Eigenvalues above -threshold count as zero modes (degenerate levels, rounding): the
    /// state is then a minimum among collinear determinants to second order.
    public static let threshold = 1e-6
    public var isMinimum: Bool { hessianMinEigenvalue > -Self.threshold }
}

/// What following the unstable modes of a state did.
public struct InstabilityFollowing: Sendable {
    /// The energy and lowest Hessian eigenvalue of each state visited, the start first.
    public var energies: [Double]
    public var eigenvalues: [Double]
    /// The rotation angle taken at each step (|kappa| = 1, signed).
    public var angles: [Double]
    /// Why it stopped: "stable" (the last state is a minimum), "no descent" (no angle lowers
    /// the energy along the mode), "not converged" (no descent from the displaced state
    /// converged to a lower state), or "step limit".
    public var stop: String

    public init(energies: [Double], eigenvalues: [Double], angles: [Double], stop: String) {
        self.energies = energies
        self.eigenvalues = eigenvalues
        self.angles = angles
        self.stop = stop
    }
}

extension HartreeFock {
    /// The lowest eigenpair of the collinear orbital Hessian of `r` (every orbital of both
    /// spins must be present, as ``solve(h0:particles:options:initial:progress:snapshot:)``
    /// returns them).
    /// A state in which no spin has both occupied and empty orbitals (e.g. every electron up
    /// with N_up = n) has no collinear rotation: it is reported with an empty Hessian
    /// (dimension 0) and eigenvalue +infinity (a minimum among determinants with its N_up).
    public static func stability(of r: HartreeFockResult, tolerance: Double = 1e-9) throws -> HartreeFockStability {
        let n = r.up.orbitals.dimension
        if [r.up.occupied, r.down.occupied].allSatisfy({ $0 == 0 || $0 == n }) {
            return HartreeFockStability(hessianMinEigenvalue: .infinity, residual: 0, dimension: 0, applications: 0, mode: [])
        }
        let h = try HartreeFockHessian(r)
        let e = try h.lowestEigenpair(tolerance: tolerance)
        return HartreeFockStability(hessianMinEigenvalue: e.value, residual: e.residual, dimension: h.dimension,
                                    applications: e.applications, mode: e.vector)
    }

    /// The determinant exp(theta K) |r> for the rotation kappa of the Hessian's layout: per spin
    /// the occupied orbitals phi_a + theta sum_b kappa_ab phi_b, orthonormalized (they span the
    /// same space as exp(theta K) applied to the occupied orbitals up to O(theta^3); the result is
    /// exactly a determinant). Returns its diagonal densities (up then down),
    /// tr(H0 D) over both spins, and its HF energy tr(H0 D) + U sum_i n_up n_dn.
    static func displaced(_ r: HartreeFockResult, h0: CSRMatrix, kappa: [Double], theta: Double) throws
        -> (x: [Double], kinetic: Double, energy: Double)
    {
        let n = r.up.orbitals.dimension
        var densities: [[Double]] = []
        var kinetic = 0.0
        var offset = 0
        for ch in [r.up, r.down] {
            let no = ch.occupied, ne = n - no
            var phi = Array(ch.orbitals.vectors[0..<(n * no)])
            if no > 0 && ne > 0 {
                let emp = Array(ch.orbitals.vectors[(n * no)..<(n * n)])
                let k = Array(kappa[offset..<(offset + no * ne)])
                emp.withUnsafeBufferPointer { e in
                    k.withUnsafeBufferPointer { kp in
                        phi.withUnsafeMutableBufferPointer { p in
                            BLAS.multiply(e.baseAddress!, kp.baseAddress!, into: p.baseAddress!, m: n, n: ne, k: no,
                                          transposeB: true, alpha: theta, beta: 1)
                        }
                    }
                }
            }
            offset += no * ne
            // Orthonormalize through the overlap S = Phi'^T Phi' = V diag(s) V^T (dsyrk, dsyevd):
            // W = Phi' V diag(s)^(-1/2) has orthonormal columns spanning the same space, so
            // n(i) = sum_k (Phi' V)_ik^2 / s_k and tr(H0 D) = sum_k <(Phi' V)_k|H0|(Phi' V)_k> / s_k.
            var d = [Double](repeating: 0, count: n)
            if no > 0 {
                let overlap = BLAS.gramian(phi, rows: n, columns: no)
                let eig = try DenseEigensolver.solve(HartreeFockHessian.csr(overlap, no), selection: .all, vectors: true)
                var w = [Double](repeating: 0, count: n * no)
                phi.withUnsafeBufferPointer { p in
                    eig.vectors.withUnsafeBufferPointer { v in
                        w.withUnsafeMutableBufferPointer { wp in
                            BLAS.multiply(p.baseAddress!, v.baseAddress!, into: wp.baseAddress!, m: n, n: no, k: no)
                        }
                    }
                }
                var y = [Double](repeating: 0, count: n)
                for k in 0..<no {
                    let scale = 1 / eig.values[k]
                    let col = Array(w[(k * n)..<((k + 1) * n)])
                    col.withUnsafeBufferPointer { cp in y.withUnsafeMutableBufferPointer { h0.multiply(cp, into: $0) } }
                    var t = 0.0
                    for i in 0..<n { d[i] += scale * col[i] * col[i]; t += col[i] * y[i] }
                    kinetic += scale * t
                }
            }
            densities.append(d)
        }
        var e = kinetic
        for i in 0..<n { e += r.options.U * densities[0][i] * densities[1][i] }
        return (densities[0] + densities[1], kinetic, e)
    }

    /// Follows the unstable modes of a converged state down to a minimum, as PySCF's
    /// `stability()` + follow does: while the lowest Hessian eigenvalue is negative, displace
    /// the state along its mode kappa by the angle theta (both signs, theta in `angles`) that
    /// gives the lowest determinant energy, and descend from that determinant with optimal
    /// damping (energy-monotone: every mixed state is a convex combination of determinants
    /// whose energy, a quadratic in the damping parameter, is minimised on [0, 1]), in free
    /// mode with `r`'s spin split rule; if that does not converge (or ends no lower), with
    /// energy-DIIS, then both again at the current state's fixed split. Each step lowers the energy; the result is a state whose
    /// Hessian has no negative eigenvalue (or the reason it stopped).
    /// `maxIterations`: of each descent (nil: that of `r0`'s options, at least 500; the kept
    /// options of an automatic-occupation run hold the aufbau's shorter budget).
    public static func followInstabilities(from r0: HartreeFockResult, h0: CSRMatrix, maxSteps: Int = 25,
                                           maxIterations: Int? = nil,
                                           angles: [Double] = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.3],
                                           progress: ((String) -> Void)? = nil) throws
        -> (result: HartreeFockResult, stability: HartreeFockStability, following: InstabilityFollowing)
    {
        var r = r0
        var st = try stability(of: r)
        var record = InstabilityFollowing(energies: [r.energy], eigenvalues: [st.hessianMinEigenvalue], angles: [], stop: "stable")
        let particles = r.up.occupied + r.down.occupied
        var o = r0.options
        o.mode = .free
        o.mixing = .optimalDamping
        o.maxIterations = maxIterations ?? max(o.maxIterations, 500)
        // Aufbau (per spin with a fixed split, which is kept; over both spins otherwise): the
        // maximum-overlap rule would turn the damping off.
        o.occupation = .aufbau
        var steps = 0
        while !st.isMinimum {
            guard steps < maxSteps else { record.stop = "step limit"; break }
            steps += 1
            var best: (x: [Double], kinetic: Double, energy: Double, theta: Double)? = nil
            for sign in [1.0, -1.0] {
                for a in angles {
                    let d = try displaced(r, h0: h0, kappa: st.mode, theta: sign * a)
                    if best == nil || d.energy < best!.energy { best = (d.x, d.kinetic, d.energy, sign * a) }
                }
            }
            guard let b = best, b.energy < r.energy - 1e-10 * max(1, abs(r.energy)) else { record.stop = "no descent"; break }
            progress?("following a negative Hessian mode (eigenvalue \(st.hessianMinEigenvalue)): theta = \(b.theta), "
                      + "E \(r.energy) -> \(b.energy)")
            // Descend from the displaced determinant: optimal damping with the start's split
            // rule, then energy-DIIS, then both at the split of the current state (the aufbau over
            // both spins can keep trading levels between spins at the minimum).
            var variants: [HartreeFockOptions] = []
            for split in o.spinUp == nil ? [nil, r.up.occupied] : [o.spinUp] {
                for mixing in [HartreeFockOptions.Mixing.optimalDamping, .energyDIIS(history: 8)] {
                    var v = o
                    v.spinUp = split
                    v.mixing = mixing
                    variants.append(v)
                }
            }
            var next: HartreeFockResult? = nil
            var runs = r.runs
            for v in variants where next == nil {
                let p = try Problem(h0: h0, particles: particles, options: v)
                switch p.attempt(b.x, startKinetic: b.kinetic, progress: nil) {
                case .success(let outcome):
                    runs.append(HartreeFockRun(start: r.start, converged: true, iterations: outcome.iterations,
                                               densityResidual: outcome.residual, energyChange: outcome.energyChange,
                                               energy: outcome.energy, totalSz: abs(Double(outcome.nUp - outcome.nDown)) / 2,
                                               fixedSpinUp: v.spinUp, occupation: v.occupation, energies: outcome.energies))
                    var state = try p.finish(outcome, start: r.start, runs: runs)
                    state.keptRun = runs.count - 1
                    // Energy-monotone up to the hand-over to Anderson mixing near convergence.
                    if state.energy < r.energy - 1e-10 * max(1, abs(r.energy)) { next = state } else {
                        progress?("descent (\(v.mixing.description), split \(v.spinUp.map(String.init) ?? "free")) "
                                  + "converged in \(outcome.iterations) iterations to E = \(state.energy), not below \(r.energy)")
                    }
                case .failure(let u):
                    progress?("descent (\(v.mixing.description), split \(v.spinUp.map(String.init) ?? "free")) failed: \(u.error)")
                    runs.append(HartreeFockRun(start: r.start, converged: false, iterations: u.trace.energies.count,
                                               densityResidual: u.trace.bestResidual, energyChange: .nan, energy: .nan,
                                               totalSz: .nan, fixedSpinUp: v.spinUp, occupation: v.occupation,
                                               energies: u.trace.energies))
                }
            }
            if let state = next { r = state } else { record.stop = "not converged" }
            if record.stop == "not converged" { break }
            st = try stability(of: r)
            record.energies.append(r.energy)
            record.eigenvalues.append(st.hessianMinEigenvalue)
            record.angles.append(b.theta)
        }
        return (r, st, record)
    }
}
