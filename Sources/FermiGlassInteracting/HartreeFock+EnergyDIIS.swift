/// Energy-DIIS (EDIIS, Kudin, Scuseria and Cances, J. Chem. Phys. 116, 8255 (2002)) for the
/// Hubbard HF functional: the multi-state generalization of optimal damping
/// (``HartreeFockOptions/Mixing/optimalDamping``).
///
/// The Hubbard HF energy of a one-body density matrix D depends on D only through its
/// diagonal x = diag(D) and K = tr(H0 D):
///
///     E(x, K) = K + U sum_i x_up(i) x_dn(i)          (free mode)
///     E(x, K) = K + U sum_i x(i)^2                   (paramagnetic: x per spin, K both spins).
///
/// The interaction is the quadratic form U B(x, x) with B(a, b) = (a_up . b_dn + b_up . a_dn)/2
/// (paramagnetic: a . b), so on the convex hull of states (x_j, K_j), j = 0..m-1, the energy is
/// exactly a quadratic function of the weights c (c_j >= 0, sum_j c_j = 1):
///
///     E(c) = E_r + sum_j c_j g_j + sum_jk c_j c_k Q_jk,
///     g_j  = K_j - K_r + 2U B(x_r, d_j),   Q_jk = U B(d_j, d_k),   d_j = x_j - x_r,
///
/// written relative to a reference state r of the set (its own terms vanish), so that the
/// numbers are differences of nearby states rather than of energies ~1e4. Each iteration adds
/// the latest output determinant to the set, minimizes E(c) over the simplex (globally: Q can be
/// indefinite), and takes sum_j c_j (x_j, K_j) as the next input. The set always contains the
/// current state, so the energy never rises; optimal damping is the case of a set of two (the
/// current state and the new output).
enum EnergyDIIS {
    /// The global minimum of f(c) = g . c + c^T Q c over the simplex {c >= 0, sum c = 1}, for a
    /// small set (m <= 12: every face is visited, 2^m - 1 of them).
    ///
    /// A minimizer lies in the relative interior of some face F (a vertex is a face). There,
    /// the restriction of f to the affine hull of F is stationary: 2 Q_FF c_F + g_F = mu 1,
    /// sum c_F = 1. Where that system is singular, f is constant along a line through the
    /// minimizer inside F, so the minimum is also reached on a smaller face. Solving the system
    /// of every face where it is regular, keeping the feasible solutions, and adding the
    /// vertices therefore includes a global minimizer; f is evaluated directly at each
    /// candidate, so a poorly conditioned solve can only lose optimality, never feasibility or
    /// the value reported. Ties go to the candidate found first (vertices first, in order).
    static func minimizeOnSimplex(linear g: [Double], quadratic q: [[Double]]) -> (weights: [Double], value: Double) {
        let m = g.count
        precondition(m >= 1 && m <= 12 && q.count == m && q.allSatisfy { $0.count == m })
        func value(_ c: [Double]) -> Double {
            var f = 0.0
            for j in 0..<m where c[j] != 0 {
                f += g[j] * c[j]
                for k in 0..<m where c[k] != 0 { f += c[j] * q[j][k] * c[k] }
            }
            return f
        }
        var best = [Double](repeating: 0, count: m)
        best[0] = 1
        var bestValue = value(best)
        for j in 1..<max(1, m) {
            var c = [Double](repeating: 0, count: m); c[j] = 1
            let v = value(c)
            if v < bestValue { best = c; bestValue = v }
        }
        guard m > 1 else { return (best, bestValue) }
        for mask in 1..<(1 << m) where mask.nonzeroBitCount >= 2 {
            let face = (0..<m).filter { mask & (1 << $0) != 0 }
            let s = face.count
            // [2 Q_FF  -1] [c ]   [-g_F]
            // [ 1^T     0] [mu] = [ 1  ]
            let dim = s + 1
            var a = [Double](repeating: 0, count: dim * dim)
            var b = [Double](repeating: 0, count: dim)
            for (r, j) in face.enumerated() {
                for (cI, k) in face.enumerated() { a[r * dim + cI] = 2 * q[j][k] }
                a[r * dim + s] = -1
                a[s * dim + r] = 1
                b[r] = -g[j]
            }
            b[s] = 1
            guard let sol = AndersonMixer.solve(a, b, dim) else { continue }
            // A near-singular system gives weights that need not solve it; they are still
            // evaluated exactly, and only feasible ones count.
            guard sol[0..<s].allSatisfy({ $0 >= 0 }) else { continue }
            var c = [Double](repeating: 0, count: m)
            let total = sol[0..<s].reduce(0, +)
            guard total > 0 else { continue }
            for (r, j) in face.enumerated() { c[j] = sol[r] / total }
            let v = value(c)
            if v < bestValue { best = c; bestValue = v }
        }
        return (best, bestValue)
    }

    /// The states (x_j, K_j) of an energy-DIIS iteration: the last `history` output
    /// determinants and the current (mixed) state.
    struct History {
        let capacity: Int
        var states: [(x: [Double], kinetic: Double)] = []

        init(capacity: Int) { self.capacity = capacity }

        /// Adds the output determinant (x_out, K_out), minimizes the energy over the hull of
        /// the stored outputs and `current` (nil at the first step: the output alone), and
        /// returns the minimizing state with its energy. `bilinear(a, b)` is U B(a, b).
        mutating func step(current: (x: [Double], kinetic: Double)?, output: [Double], outputKinetic: Double,
                           bilinear: ([Double], [Double]) -> Double) -> (x: [Double], kinetic: Double, energy: Double, weights: [Double]) {
            states.append((output, outputKinetic))
            if states.count > capacity { states.removeFirst(states.count - capacity) }
            var set = states
            if let c = current { set.append(c) }
            // Reference: the current state (the last of the set), else the output.
            let r = set.count - 1
            let xr = set[r].x, kr = set[r].kinetic
            let d = set.map { s in zip(s.x, xr).map { $0 - $1 } }
            let m = set.count
            var g = [Double](repeating: 0, count: m)
            var q = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
            for j in 0..<m where j != r {
                g[j] = set[j].kinetic - kr + 2 * bilinear(xr, d[j])
                for k in j..<m where k != r {
                    let v = bilinear(d[j], d[k])
                    q[j][k] = v; q[k][j] = v
                }
            }
            let (w, _) = EnergyDIIS.minimizeOnSimplex(linear: g, quadratic: q)
            var x = [Double](repeating: 0, count: xr.count)
            var kinetic = 0.0
            for j in 0..<m where w[j] != 0 {
                kinetic += w[j] * set[j].kinetic
                let xj = set[j].x
                for i in 0..<x.count { x[i] += w[j] * xj[i] }
            }
            let energy = kinetic + bilinear(x, x)
            return (x, kinetic, energy, w)
        }
    }
}
