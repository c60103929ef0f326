import FermiGlassModel
import FermiGlassSolvers

extension HartreeFock {
    /// The temperature (units of t1) whose -f'(E_F) weights the degenerate block at E_F in the
    /// susceptibility of the start modes (only there; it plays no other role). At 0.05 the
    /// leading mode of the clean half-filled 4 x 4 and 8 x 8 lattices is the (pi, pi) pattern.
    public static let startTemperature = 0.05
}

extension HartreeFock.Problem {
    /// Free-mode starts along the leading magnetic modes: the `count` largest eigenvectors v of
    /// the static susceptibility Pi_0 of H0 (U = 0 orbitals, N/2 filled per spin; pairs with
    /// E_b - E_a <= 1e-8 max(1, |E|) left out, so an open shell at E_F does not make Pi
    /// diverge: the block's levels are filled fractionally, f = (N/2 - below) / block size, and
    /// only pairs with E_b - E_a > delta are summed, weighted f_a - f_b, plus the block's own
    /// pairs with the weight f (1 - f) / T of a thermal Lindhard sum at T = ``HartreeFock/startTemperature``;
    /// formed densely, so
    /// only for n <= 400 when there is such a block), as moments m_i = a v_i / max|v| with a = 2 min(nbar, 1 - nbar) (the largest
    /// moment a density in [0, 1] per spin allows around nbar). These are the modes that go
    /// soft first as U grows (the RPA/Stoner instability of Appendix A); on the clean
    /// half-filled lattice the leading one is the staggered (pi, pi) pattern of the Neel state,
    /// which random starts rarely reach. Empty when Pi cannot be formed (N/2 = 0 or n).
    func susceptibilityStarts(count: Int) throws -> [[Double]] {
        let occupied = particles / 2
        guard count > 0, occupied > 0, occupied < n else { return [] }
        let pairs = try DenseEigensolver.solve(h0, selection: .all, vectors: true)
        let e = pairs.values
        let delta = 1e-8 * max(1, e.map { abs($0) }.max() ?? 1)
        // The degenerate block at E_F: levels lo..<hi within delta (chained) of the boundary.
        var lo = occupied, hi = occupied
        if e[occupied] - e[occupied - 1] <= delta {
            lo = occupied - 1
            while lo > 0 && e[lo] - e[lo - 1] <= delta { lo -= 1 }
            hi = occupied + 1
            while hi < n && e[hi] - e[hi - 1] <= delta { hi += 1 }
        }
        let k = min(count, n - 1)
        var vectors: [[Double]] = []
        if lo == hi || (lo > 0 && hi < n && n <= 400) {
            if lo == hi {
                let op = try SusceptibilityOperator(orbitals: pairs, occupied: occupied)
                let modes = try LinearStability.largestEigenvalues(of: op, count: k)
                for j in 0..<modes.eigenvalues.count where modes.eigenvalues[j] > 0 {
                    vectors.append(Array(modes.eigenvectors[(j * n)..<((j + 1) * n)]))
                }
            } else {
                // Fractional occupation f = (occupied - lo) / (hi - lo) of the block:
                // Pi_f = (1 - f) Pi[lo filled] + f Pi[hi filled] sums each pair (a, b) with
                // E_b - E_a > delta once, weighted f_a - f_b (the degenerate pairs left out).
                let f = Double(occupied - lo) / Double(hi - lo)
                let below = try SusceptibilityOperator(orbitals: pairs, occupied: lo)
                let above = try SusceptibilityOperator(orbitals: pairs, occupied: hi)
                var identity = [Double](repeating: 0, count: n * n)
                for i in 0..<n { identity[i + i * n] = 1 }
                let a = try below.apply(identity, columns: n), b = try above.apply(identity, columns: n)
                var pi = [Double](repeating: 0, count: n * n)
                for i in 0..<(n * n) { pi[i] = -((1 - f) * a[i] + f * b[i]) }  // lowest of -Pi = largest of Pi
                // The block's own pairs (a, b both at E_F, a = b included) weighted by the thermal
                // limit -f'(E_F) = f (1 - f) / T at T = startTemperature: at half filling on a
                // clean lattice the nesting (pi, pi) mode lives there.
                let weight = f * (1 - f) / HartreeFock.startTemperature
                for a in lo..<hi {
                    for b in lo..<hi {
                        var w = [Double](repeating: 0, count: n)
                        for i in 0..<n { w[i] = pairs.vectors[i + a * n] * pairs.vectors[i + b * n] }
                        for j in 0..<n where w[j] != 0 {
                            let c = weight * w[j]
                            for i in 0..<n { pi[i + j * n] -= c * w[i] }
                        }
                    }
                }
                let eig = try DenseEigensolver.solve(HartreeFockHessian.csr(pi, n), selection: .levels(0..<k), vectors: true)
                for j in 0..<eig.count where eig.values[j] < 0 { vectors.append(eig.vector(j)) }
            }
        }
        let nbar = Double(particles) / Double(2 * n)
        let a = 2 * min(nbar, 1 - nbar)
        var starts: [[Double]] = []
        for v in vectors {
            let top = v.map { abs($0) }.max() ?? 0
            guard top > 0 else { continue }
            starts.append(start(moments: v.map { a * $0 / top }))
        }
        return starts
    }
}
