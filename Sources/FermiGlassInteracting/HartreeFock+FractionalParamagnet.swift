import FermiGlassModel
import FermiGlassSolvers

/// The paramagnetic reference of Appendix A where no aufbau paramagnet exists: the lowest
/// paramagnetic state with fractional occupation of the levels at E_F.
///
/// A paramagnetic one-body density matrix D (per spin, 0 <= D <= 1, tr D = N/2) has the
/// Hubbard HF energy
///
///     E(D) = 2 tr(H0 D) + U sum_i n_i^2,      n_i = D_ii,
///
/// which for U >= 0 is convex in D (linear plus a convex quadratic of its diagonal) on a convex
/// set, so its minimum value is unique and every local minimum is global. Where a
/// self-consistent aufbau paramagnet exists it is that minimum (its stationarity is the
/// Karush-Kuhn-Tucker condition). Where none exists (W = 9, U >= 2: the aufbau stalls, two
/// localized levels at E_F trade places) the minimum has the levels of F = H0 + U diag(n) at E_F
/// pinned together (degenerate) and fractionally occupied; it is not a determinant. This is the
/// state linear response should be linearized about; its Pi is the Lindhard sum over the pairs
/// with E_b - E_a > delta weighted f_a - f_b, and the degenerate block is reported separately
/// (``FermiLevelBlock``): within it the "susceptibility" 1/(E_b - E_a) is not defined.
///
/// Algorithm: energy-DIIS (``EnergyDIIS``) over mixed states, with the Frank-Wolfe vertex (the
/// aufbau determinant of F(n)) and a smeared vertex (the levels near E_F filled uniformly)
/// added at every step and no hand-over to Anderson mixing. Only
/// n = diag(D) and K = 2 tr(H0 D) are carried. Convexity gives a certificate: with (n~, K~) the
/// aufbau determinant of F(n),
///
///     E(D) - E_min <= -(K~ - K + 2U n . (n~ - n)) =: bound,
///
/// iterated until bound <= tolerance (reported). The occupations at the minimum follow from
/// F(n*): levels below the block are full, above it empty, and inside it the block's density
/// matrix G is fitted to n* - n_below (least squares over the products phi_p phi_q), whose
/// eigenvalues are the block's natural occupations.
public struct FractionalParamagnet: Sendable {
    public var U: Double
    /// E(D) of the final state (units of t1).
    public var energy: Double
    /// The convexity bound on E - E_min of the final state.
    public var energyBound: Double
    public var iterations: Int
    /// bound <= tolerance.
    public var converged: Bool
    /// n_i per spin.
    public var density: [Double]
    /// The eigenpairs of F = H0 + U diag(n), ascending; inside the block its natural orbitals.
    public var orbitals: Eigenpairs
    /// Occupation per spin of each level of F (0 or 1 outside the block; inside it the natural
    /// occupations of the block's fitted density matrix, descending, on its natural orbitals).
    public var occupations: [Double]
    /// The pair threshold: levels within delta (chained) of each other across the N/2 boundary
    /// form the block; Pi sums only pairs with E_b - E_a > delta.
    public var delta: Double
    public var block: FermiLevelBlock
    /// The block's natural occupations (descending) and max_i |fitted - actual density|.
    public var blockOccupations: [Double]
    public var blockFitResidual: Double
    /// E_(N/2) - E_(N/2 - 1) of F: the HOMO-LUMO gap of the reference (<= delta inside a block).
    public var gap: Double

    /// No degenerate block at E_F: the minimum is an aufbau determinant.
    public var isAufbau: Bool { block.isEmpty }
}

extension HartreeFock {
    /// The lowest paramagnetic state of `h0` with `particles` electrons at interaction `U` >= 0,
    /// fractional occupation allowed (``FractionalParamagnet``). `initial`: a density per spin to
    /// start from (default uniform). `delta` (default 1e-6 max(1, max |E_a|)).
    public static func fractionalParamagnet(h0: CSRMatrix, particles: Int, U: Double, initial: [Double]? = nil,
                                            tolerance: Double = 1e-11, maxIterations: Int = 2000, history: Int = 8,
                                            delta: Double? = nil) throws -> FractionalParamagnet {
        let n = h0.rowCount
        guard U.isFinite, U >= 0 else { throw HartreeFockError.invalidArgument("the fractional paramagnet needs U >= 0, got \(U)") }
        guard particles % 2 == 0, particles > 0, particles < 2 * n else {
            throw HartreeFockError.invalidArgument("the paramagnet needs an even particle number in 0 < N < \(2 * n), got \(particles)")
        }
        guard (1...11).contains(history) else { throw HartreeFockError.invalidArgument("history must be in 1...11, got \(history)") }
        let occupied = particles / 2
        var o = HartreeFockOptions(U: U, mode: .paramagnetic)
        o.occupation = .aufbau
        let problem = try Problem(h0: h0, particles: particles, options: o)
        if let i = initial, i.count != n { throw HartreeFockError.invalidArgument("initial density must have one value per site (\(n))") }
        var x = initial ?? [Double](repeating: Double(occupied) / Double(n), count: n)
        // The aufbau determinant of F(x): its density per spin and K = 2 tr(H0 D).
        func vertex(_ x: [Double]) throws -> (pairs: Eigenpairs, x: [Double], k: Double) {
            let pairs = try problem.diagonalize(potential: x, levels: occupied, all: true)
            let d = Problem.density(pairs, occupied: occupied)
            var k = 0.0
            for a in 0..<occupied { k += pairs.values[a] }
            for i in 0..<n { k -= U * x[i] * d[i] }
            return (pairs, d, 2 * k)
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        // The smeared vertex of F(x): the levels chained within `width` across the N/2 boundary
        // filled uniformly (a mixed state; nil without such a block). Beside the aufbau vertex it
        // lets a degenerate open shell (clean lattices) converge in a few steps instead of
        // zigzagging between its determinants.
        func smeared(_ pairs: Eigenpairs, _ x: [Double], width: Double) -> (x: [Double], k: Double)? {
            let b = FermiLevelBlock(values: pairs.values, occupied: occupied, delta: width)
            guard !b.isEmpty else { return nil }
            let f = Double(occupied - b.levels.lowerBound) / Double(b.levels.count)
            var w = [Double](repeating: 0, count: n)
            for a in 0..<b.levels.upperBound { w[a] = a < b.levels.lowerBound ? 1 : f }
            let d = Problem.density(pairs, weights: w)
            var k = 0.0
            for a in 0..<b.levels.upperBound { k += w[a] * pairs.values[a] }
            for i in 0..<n { k -= U * x[i] * d[i] }
            return (d, 2 * k)
        }
        // Start from the vertex of the start density (a state: its K is known).
        var v = try vertex(x)
        x = v.x
        var k = v.k
        var set: [(x: [Double], k: Double)] = [(x, k)]
        var bound = Double.infinity
        var iterations = 0
        while iterations < maxIterations {
            v = try vertex(x)
            bound = -(v.k - k + 2 * U * dot(x, zip(v.x, x).map { $0 - $1 }))
            let e = k + U * dot(x, x)
            if bound <= tolerance * max(1, abs(e)) { break }
            iterations += 1
            set.append((v.x, v.k))
            if let sm = smeared(v.pairs, x, width: min(1e-2, max(1e-10, bound.squareRoot()))) { set.append(sm) }
            if set.count > history + 1 { set.removeFirst(set.count - history - 1) }
            // Relative to the current state (weight of the current state = 1 - sum of the others).
            let d = set.map { s in zip(s.x, x).map { $0 - $1 } }
            let g = [0.0] + (0..<set.count).map { j in set[j].k - k + 2 * U * dot(x, d[j]) }
            var q = [[Double]](repeating: [Double](repeating: 0, count: set.count + 1), count: set.count + 1)
            for a in 0..<set.count { for b in 0..<set.count { q[a + 1][b + 1] = U * dot(d[a], d[b]) } }
            let c = EnergyDIIS.minimizeOnSimplex(linear: g, quadratic: q).weights
            var nx = x, nk = k
            for j in 0..<set.count where c[j + 1] != 0 {
                for i in 0..<n { nx[i] += c[j + 1] * d[j][i] }
                nk += c[j + 1] * (set[j].k - k)
            }
            x = nx
            k = nk
            set.append((x, k))
            if set.count > history + 1 { set.removeFirst(set.count - history - 1) }
        }
        var pairs = try problem.diagonalize(potential: x, levels: occupied, all: true)
        let e = pairs.values
        let threshold = delta ?? 1e-6 * max(1, e.map { abs($0) }.max() ?? 1)
        let block = FermiLevelBlock(values: e, occupied: occupied, delta: threshold)
        var f = [Double](repeating: 0, count: n)
        for a in 0..<block.levels.lowerBound { f[a] = 1 }
        if block.isEmpty { for a in 0..<occupied { f[a] = 1 } }
        var natural: [Double] = []
        var residual = 0.0
        if !block.isEmpty {
            let fit = try fitBlock(pairs, block: block.levels, density: x)
            residual = fit.2
            // The block's orbitals replaced by G's natural orbitals (most occupied first: they
            // are degenerate within delta), each with its natural occupation.
            let m = block.levels.count
            for (j, a) in block.levels.enumerated() {
                f[a] = min(1, max(0, fit.0[m - 1 - j]))
                pairs.vectors.replaceSubrange((a * n)..<((a + 1) * n), with: fit.1[m - 1 - j])
            }
            natural = fit.0.sorted(by: >)
        } else {
            let d = Problem.density(pairs, occupied: occupied)
            residual = zip(d, x).map { abs($0 - $1) }.max() ?? 0
        }
        return FractionalParamagnet(U: U, energy: k + U * dot(x, x), energyBound: bound, iterations: iterations,
                                    converged: bound <= tolerance * max(1, abs(k + U * dot(x, x))), density: x,
                                    orbitals: pairs, occupations: f, delta: threshold, block: block,
                                    blockOccupations: natural, blockFitResidual: residual,
                                    gap: e[occupied] - e[occupied - 1])
    }

    /// The block's density matrix G (m x m, symmetric) with sum_pq phi_p(i) G_pq phi_q(i) =
    /// density(i) - sum_(a below the block) phi_a(i)^2, by least squares over the m(m+1)/2
    /// products (pseudo-inverse of the normal equations: products that vanish or coincide, as
    /// for orbitals on disjoint sites, leave G undetermined there and get the minimum-norm
    /// choice). Returns G's eigenvalues (ascending), its natural orbitals and the largest
    /// density misfit.
    static func fitBlock(_ pairs: Eigenpairs, block: Range<Int>, density: [Double]) throws -> ([Double], [[Double]], Double) {
        let n = pairs.dimension, m = block.count
        var r = density
        for a in 0..<block.lowerBound { let v = pairs.vector(a); for i in 0..<n { r[i] -= v[i] * v[i] } }
        let phi = block.map { pairs.vector($0) }
        var columns: [(Int, Int, [Double])] = []
        for p in 0..<m { for q in p..<m { columns.append((p, q, (0..<n).map { (p == q ? 1 : 2) * phi[p][$0] * phi[q][$0] })) } }
        let c = columns.count
        var normal = [Double](repeating: 0, count: c * c), rhs = [Double](repeating: 0, count: c)
        for a in 0..<c {
            for b in 0..<c { normal[a + b * c] = zip(columns[a].2, columns[b].2).reduce(0) { $0 + $1.0 * $1.1 } }
            rhs[a] = zip(columns[a].2, r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var vecs = normal
        let w = try DenseEigensolver.symmetric(&vecs, dimension: c, vectors: true)
        let cut = 1e-12 * (w.map { abs($0) }.max() ?? 1)
        var coef = [Double](repeating: 0, count: c)
        for k in 0..<c where w[k] > cut {
            var s = 0.0
            for a in 0..<c { s += vecs[a + k * c] * rhs[a] }
            for a in 0..<c { coef[a] += vecs[a + k * c] * s / w[k] }
        }
        var g = [Double](repeating: 0, count: m * m)
        for (j, col) in columns.enumerated() { g[col.0 + col.1 * m] = coef[j]; g[col.1 + col.0 * m] = coef[j] }
        var misfit = 0.0
        for i in 0..<n {
            var s = 0.0
            for (j, col) in columns.enumerated() { s += coef[j] * col.2[i] }
            misfit = max(misfit, abs(s - r[i]))
        }
        var gv = g
        let occupations = try DenseEigensolver.symmetric(&gv, dimension: m, vectors: true)
        // The natural orbitals sum_p V_pk phi_p (degenerate with the block's levels within delta).
        var rotated = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for k in 0..<m { for p in 0..<m where gv[p + k * m] != 0 { for i in 0..<n { rotated[k][i] += gv[p + k * m] * phi[p][i] } } }
        return (occupations, rotated, misfit)
    }
}
