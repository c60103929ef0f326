import FermiGlassModel
import FermiGlassSolvers

/// The linear-response (Stoner/RPA) stability analysis of the paper's Appendix A
/// (Milovanovic, Sachdev & Bhatt 1989), on a paramagnetic HF solution with real orbitals
/// phi_a and energies E_a (a < occupied filled per spin):
///
///     Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) / (E_b - E_a)
///
/// the static bare spin susceptibility per spin (the factor 2 collects the two time orderings
/// that are equal for real orbitals). Pi has only a != b terms (the "chi_aa = 0" of Eq. A6). For
/// an aufbau occupation every E_b - E_a > 0 and Pi is positive semi-definite (a sum of
/// positive multiples of v v^T, v_i = phi_a(i) phi_b(i)); a maximum-overlap occupation can leave
/// an empty orbital below an occupied one, whose negative term can make Pi indefinite. So the
/// stability analysis asks for the largest algebraic eigenvalue, not the largest in magnitude.
/// On a clean lattice its eigenvectors are plane waves with eigenvalues the per-spin Lindhard
/// function
///
///     Pi(q) = (1/N) sum_k [f(e_k) - f(e_{k+q})] / (e_{k+q} - e_k),
///
/// so `U lambda_max(Pi) >= 1` is the Stoner criterion U N_s(E_F) = 1 at q = 0 (N_s the density
/// of states per spin per site) and its finite-q (RPA) generalisation.
///
/// Pi is never formed: a product Y = Pi X for a block X (sites x k) costs, per column x,
/// two dgemms over occupied x empty orbitals:
///
///     M = Phi_occ^T (x o Phi_emp)          (occ x emp),  M_ab *= 2 / (E_b - E_a)
///     y_i = sum_b (Phi_occ M)_ib phi_b(i)
///
/// i.e. 4 N n_occ n_emp flops per vector. The largest eigenvalues are found by the shared block
/// Krylov-Schur solver (``BlockKrylovSchur``, ``SpectrumEnd/largestAlgebraic``).
public enum LinearStability {}

/// The operator Pi of a paramagnetic HF solution (or of H0, at U = 0): a ``LinearOperator``.
public struct SusceptibilityOperator: LinearOperator, Sendable {
    public let dimension: Int
    public let occupied: Int
    public let empty: Int
    /// Phi_occ, column-major sites x occupied.
    let phiOcc: [Double]
    /// Phi_emp, column-major sites x empty.
    let phiEmp: [Double]
    /// 2 / (E_b - E_a), column-major occupied x empty.
    let weights: [Double]
    /// The pair filter delta (nil: none) and the number of occupied-empty pairs it left out.
    public let minimumGap: Double?
    public let excludedPairs: Int

    /// `orbitals` must hold every level with its vector; columns 0 ..< occupied are the filled
    /// orbitals (the lowest levels for an aufbau state; a maximum-overlap state lists its
    /// occupied orbitals first, and a pair with E_b < E_a then contributes a negative term).
    /// Refuses a degenerate occupied-empty pair (E_b = E_a), where Pi diverges and the Fermi sea
    /// is not unique.
    ///
    /// `minimumGap` delta (nil: every pair, degenerate pairs refused): sum only the pairs with
    /// E_b - E_a > delta; the others (the degenerate block at E_F, and any pair with E_b < E_a)
    /// get weight 0 and are counted in ``excludedPairs``. Pi is then positive semi-definite.
    public init(orbitals: Eigenpairs, occupied: Int, minimumGap: Double? = nil) throws {
        let n = orbitals.dimension
        guard orbitals.hasVectors, orbitals.count == n else {
            throw HartreeFockError.invalidArgument("the susceptibility needs every orbital with its eigenvector")
        }
        guard occupied > 0, occupied < n else {
            throw HartreeFockError.invalidArgument("the susceptibility needs occupied and empty orbitals, got \(occupied) of \(n) filled")
        }
        let e = orbitals.values
        let scale = max(1, e.map { abs($0) }.max()!)
        var closest = Double.infinity
        for b in occupied..<n { for a in 0..<occupied { closest = min(closest, abs(e[b] - e[a])) } }
        guard closest > 1e-10 * scale || minimumGap != nil else {
            throw HartreeFockError.degenerateFermiLevel(
                "an occupied and an empty orbital are degenerate (|E_b - E_a| = \(closest)): the Fermi sea is an open shell and "
                    + "Pi diverges; choose a filling that closes the shell or add disorder")
        }
        dimension = n
        self.occupied = occupied
        empty = n - occupied
        phiOcc = Array(orbitals.vectors[0..<(n * occupied)])
        phiEmp = Array(orbitals.vectors[(n * occupied)...])
        var w = [Double](repeating: 0, count: occupied * empty)
        var excluded = 0
        for b in 0..<empty {
            for a in 0..<occupied {
                let gap = orbitals.values[occupied + b] - orbitals.values[a]
                if let delta = minimumGap, gap <= delta { excluded += 1; continue }
                w[a + b * occupied] = 2 / gap
            }
        }
        weights = w
        excludedPairs = excluded
        self.minimumGap = minimumGap
    }

    /// Pi of a state with occupations f_a in [0, 1] per spin (a fractional paramagnet,
    /// ``FractionalParamagnet``): the Lindhard sum
    ///
    ///     Pi_ij = 2 sum_{E_b - E_a > delta} (f_a - f_b) / (E_b - E_a) phi_a(i) phi_b(i) phi_b(j) phi_a(j)
    ///
    /// over the levels with f_a > 0 ("occupied" columns) and f_b < 1 ("empty" columns); a
    /// fractional level is in both. Each unordered pair counts once (as (a, b) with E_b > E_a
    /// when both orders are listed);
    /// pairs with |E_b - E_a| <= delta (the degenerate block) are left out and counted in
    /// ``excludedPairs`` (a pair inside the block twice, once in each order). With f non-increasing in E, Pi is positive semi-definite.
    /// For f in {0, 1} on the lowest levels it is ``init(orbitals:occupied:minimumGap:)``.
    public init(orbitals: Eigenpairs, occupations f: [Double], minimumGap delta: Double) throws {
        let n = orbitals.dimension
        guard orbitals.hasVectors, orbitals.count == n, f.count == n else {
            throw HartreeFockError.invalidArgument("the susceptibility needs every orbital with its eigenvector and occupation")
        }
        guard f.allSatisfy({ $0 >= 0 && $0 <= 1 }), delta >= 0 else {
            throw HartreeFockError.invalidArgument("occupations must lie in [0, 1] and delta must be non-negative")
        }
        let occ = (0..<n).filter { f[$0] > 0 }, emp = (0..<n).filter { f[$0] < 1 }
        guard !occ.isEmpty, !emp.isEmpty else {
            throw HartreeFockError.invalidArgument("the susceptibility needs occupied and empty orbitals")
        }
        dimension = n
        occupied = occ.count
        empty = emp.count
        phiOcc = occ.flatMap { orbitals.vector($0) }
        phiEmp = emp.flatMap { orbitals.vector($0) }
        var w = [Double](repeating: 0, count: occ.count * emp.count)
        var excluded = 0
        for (bi, b) in emp.enumerated() {
            for (ai, a) in occ.enumerated() where a != b {
                let gap = orbitals.values[b] - orbitals.values[a]
                if abs(gap) <= delta { excluded += 1; continue }
                if f[a] == f[b] { continue }
                // An inverted pair (E_b < E_a) counts here unless it is also listed as (b, a).
                if gap < 0 && f[b] > 0 && f[a] < 1 { continue }
                w[ai + bi * occ.count] = 2 * (f[a] - f[b]) / gap
            }
        }
        weights = w
        excludedPairs = excluded
        minimumGap = delta
    }

    /// Y = Pi X for a column-major block X (dimension x k), one column at a time: per column
    /// two dgemms over occupied x empty orbitals (see ``LinearStability``).
    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns k: Int) throws {
        let n = dimension, no = occupied, ne = empty
        var scaled = [Double](repeating: 0, count: n * ne)
        var m = [Double](repeating: 0, count: no * ne)
        var back = [Double](repeating: 0, count: n * ne)
        for c in 0..<k {
            let xc = x + c * n, yc = y + c * n
            phiEmp.withUnsafeBufferPointer { pe in
                scaled.withUnsafeMutableBufferPointer { s in
                    for b in 0..<ne { for i in 0..<n { s[b * n + i] = xc[i] * pe[b * n + i] } }
                }
            }
            phiOcc.withUnsafeBufferPointer { po in
                scaled.withUnsafeBufferPointer { s in
                    m.withUnsafeMutableBufferPointer { mp in
                        BLAS.multiply(po.baseAddress!, s.baseAddress!, into: mp.baseAddress!, m: no, n: n, k: ne, transposeA: true)
                    }
                }
            }
            weights.withUnsafeBufferPointer { w in
                m.withUnsafeMutableBufferPointer { mp in for t in 0..<(no * ne) { mp[t] *= w[t] } }
            }
            phiOcc.withUnsafeBufferPointer { po in
                m.withUnsafeBufferPointer { mp in
                    back.withUnsafeMutableBufferPointer { bp in
                        BLAS.multiply(po.baseAddress!, mp.baseAddress!, into: bp.baseAddress!, m: n, n: no, k: ne)
                    }
                }
            }
            phiEmp.withUnsafeBufferPointer { pe in
                back.withUnsafeBufferPointer { bp in
                    for i in 0..<n { yc[i] = 0 }
                    for b in 0..<ne { for i in 0..<n { yc[i] += bp[b * n + i] * pe[b * n + i] } }
                }
            }
        }
    }

    /// Pi as a dense column-major matrix (small systems and tests only: N^2 memory).
    public func dense() -> [Double] {
        let n = dimension
        var pi = [Double](repeating: 0, count: n * n)
        for b in 0..<empty {
            for a in 0..<occupied {
                let w = weights[a + b * occupied]
                var v = [Double](repeating: 0, count: n)
                for i in 0..<n { v[i] = phiOcc[a * n + i] * phiEmp[b * n + i] }
                for j in 0..<n where v[j] != 0 {
                    let s = w * v[j]
                    for i in 0..<n { pi[i + j * n] += s * v[i] }
                }
            }
        }
        return pi
    }
}

/// The largest eigenvalues of Pi and how they were obtained.
public struct LinearStabilityResult: Sendable {
    /// Largest eigenvalues of Pi, descending.
    public var eigenvalues: [Double]
    /// The corresponding eigenvectors, column-major dimension x count.
    public var eigenvectors: [Double]
    /// ||Pi y - lambda y|| for each returned pair.
    public var residuals: [Double]
    public var converged: Bool
    public var products: Int
    public var restarts: Int
    public var basisSize: Int
}

extension LinearStability {
    /// The `count` largest (algebraic) eigenvalues of Pi, descending, by the shared block
    /// Krylov-Schur solver (``BlockKrylovSchur/eigenpairs(of:count:which:options:blockSize:threads:)``
    /// with ``SpectrumEnd/largestAlgebraic``; Pi can be indefinite). Converged when every wanted
    /// pair has ||Pi y - lambda y|| <= tolerance * max|theta| over the Ritz values (the solver's
    /// Ritz estimate; for a positive semi-definite Pi this is tolerance * lambda_max).
    /// `block`: vectors multiplied together (default count + 1); `maxBasis`: the Krylov basis size
    /// (at least count + 2 block); `maxProducts`: the budget of products, turned into a restart
    /// limit (each thick restart re-expands about (maxBasis - count) / 2 vectors). Deterministic
    /// (seeded start block). An operator too small for a Krylov basis of count + 2 blocks (at
    /// most dimension - block vectors) is diagonalized densely (``SusceptibilityOperator/dense()``).
    public static func largestEigenvalues(of op: SusceptibilityOperator, count: Int = 1, block: Int? = nil,
                                          tolerance: Double = 1e-10, maxBasis: Int = 120, maxProducts: Int = 2000,
                                          seed: UInt64 = 1) throws -> LinearStabilityResult {
        let n = op.dimension
        guard count >= 1, count <= n else {
            throw HartreeFockError.invalidArgument("number of eigenvalues must be in 1...\(n), got \(count)")
        }
        guard tolerance > 0 else { throw HartreeFockError.invalidArgument("tolerance must be positive") }
        if let b = block, b < 1 { throw HartreeFockError.invalidArgument("block size must be positive, got \(b)") }
        // The solver's effective block (at most n / 4) and basis (at most n - block).
        let bs = max(1, min(block ?? (count + 1), n / 4))
        let basis = min(n - bs, max(maxBasis, count + 2 * bs))
        guard count + bs <= basis else { return try denseEigenvalues(of: op, count: count) }
        let perRestart = max(bs, (basis - count) / 2)
        let options = LanczosOptions(basisSize: basis, tolerance: tolerance,
                                     maxRestarts: max(1, (maxProducts - basis) / perRestart), seed: seed)
        let r: KrylovEigenpairs
        do {
            r = try BlockKrylovSchur.eigenpairs(of: op, count: count, which: .largestAlgebraic, options: options, blockSize: bs)
        } catch SolverError.noConvergence(let converged, let requested, _) {
            throw SolverError.noConvergence(
                converged: converged, requested: requested,
                message: "the largest eigenvalues of Pi did not converge within about \(maxProducts) products "
                    + "(\(converged) of \(requested) to tolerance \(tolerance)); raise the product limit or the basis size (now \(basis))")
        }
        return LinearStabilityResult(eigenvalues: r.values, eigenvectors: r.vectors, residuals: r.residuals, converged: true,
                                     products: r.applications, restarts: r.restarts, basisSize: basis)
    }

    /// The `count` largest eigenvalues of the dense Pi (dsyevd), descending, with residuals
    /// ||Pi y - lambda y|| from `count` products.
    static func denseEigenvalues(of op: SusceptibilityOperator, count: Int) throws -> LinearStabilityResult {
        let n = op.dimension
        var a = op.dense()
        let all = try DenseEigensolver.symmetric(&a, dimension: n, vectors: true)
        let values = Array(all.reversed().prefix(count))
        var vectors = [Double](repeating: 0, count: n * count)
        for c in 0..<count { for i in 0..<n { vectors[i + c * n] = a[i + (n - 1 - c) * n] } }
        let image = try op.apply(vectors, columns: count)
        let residuals = (0..<count).map { c in
            (0..<n).reduce(0.0) { s, i in let r = image[i + c * n] - values[c] * vectors[i + c * n]; return s + r * r }.squareRoot()
        }
        return LinearStabilityResult(eigenvalues: values, eigenvectors: vectors, residuals: residuals, converged: true,
                                     products: count, restarts: 0, basisSize: n)
    }
}

/// The levels of a reference state that are degenerate at E_F: the block of levels chained
/// within `delta` of each other across the boundary between the occupied (the lowest
/// `occupied`) and the empty levels. Pairs inside it have E_b - E_a <= delta and are left out of
/// Pi (``SusceptibilityOperator/init(orbitals:occupied:minimumGap:)``); a non-empty block means
/// the Fermi sea is not unique and lambda_max is no Stoner criterion.
public struct FermiLevelBlock: Sendable, Equatable {
    /// Global indices of the block's levels (empty when the levels at E_F are split by more
    /// than delta).
    public var levels: Range<Int>
    /// How many of them the reference occupies (per spin).
    public var occupiedInBlock: Int
    public var energies: [Double]
    public var isEmpty: Bool { levels.isEmpty }

    /// `values` ascending (an aufbau state's levels).
    public init(values: [Double], occupied: Int, delta: Double) {
        let n = values.count
        var lo = occupied, hi = occupied
        if occupied > 0 && occupied < n && values[occupied] - values[occupied - 1] <= delta {
            lo = occupied - 1
            while lo > 0 && values[lo] - values[lo - 1] <= delta { lo -= 1 }
            hi = occupied + 1
            while hi < n && values[hi] - values[hi - 1] <= delta { hi += 1 }
        }
        levels = lo..<hi
        occupiedInBlock = occupied - lo
        energies = Array(values[lo..<hi])
    }
}
