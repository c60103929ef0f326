import FermiGlassModel
import FermiGlassSolvers

/// The linear-response (Stoner/RPA) stability analysis of the paper's Appendix A
/// (Milovanovic, Sachdev & Bhatt 1989), on a paramagnetic HF solution with real orbitals
/// phi_a and energies E_a (a < occupied filled per spin):
///
///     Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) / (E_b - E_a)
///
/// the static bare spin susceptibility per spin (the factor 2 collects the two time orderings
/// that are equal for real orbitals). Pi has only a != b terms (the "chi_aa = 0" of Eq. A6), and
/// it is positive semi-definite. On a clean lattice its eigenvectors are plane waves with
/// eigenvalues the per-spin Lindhard function
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
/// i.e. 4 N n_occ n_emp flops per vector. The largest eigenvalues are found by a block Krylov
/// method with Rayleigh-Ritz on the whole (re-orthogonalized) basis and thick restarts.
public enum LinearStability {}

/// The operator Pi of a paramagnetic HF solution (or of H0, at U = 0).
public struct SusceptibilityOperator: @unchecked Sendable {
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
    /// Number of vectors multiplied so far (for the report).
    public private(set) var products = 0

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

    /// Y = Pi X for a column-major block X (dimension x k).
    public mutating func apply(_ x: [Double], columns k: Int) -> [Double] {
        let n = dimension, no = occupied, ne = empty
        precondition(x.count == n * k)
        var y = [Double](repeating: 0, count: n * k)
        var scaled = [Double](repeating: 0, count: n * ne)
        var m = [Double](repeating: 0, count: no * ne)
        var back = [Double](repeating: 0, count: n * ne)
        for c in 0..<k {
            let xc = x[(c * n)..<((c + 1) * n)]
            phiEmp.withUnsafeBufferPointer { pe in
                scaled.withUnsafeMutableBufferPointer { s in
                    for b in 0..<ne {
                        var i = 0
                        for xi in xc { s[b * n + i] = xi * pe[b * n + i]; i += 1 }
                    }
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
                    y.withUnsafeMutableBufferPointer { yp in
                        let base = c * n
                        for b in 0..<ne {
                            for i in 0..<n { yp[base + i] += bp[b * n + i] * pe[b * n + i] }
                        }
                    }
                }
            }
        }
        products += k
        return y
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
    /// The `count` largest eigenvalues of Pi by block Krylov iteration with Rayleigh-Ritz and
    /// thick restarts. Converged when every wanted pair has ||Pi y - lambda y|| <=
    /// tolerance * lambda_max. `block`: vectors multiplied together; `maxBasis`: basis size at
    /// which the basis restarts from the best Ritz vectors. Deterministic (seeded start block).
    public static func largestEigenvalues(of op: inout SusceptibilityOperator, count: Int = 1, block: Int? = nil,
                                          tolerance: Double = 1e-10, maxBasis: Int = 120, maxProducts: Int = 2000,
                                          seed: UInt64 = 1) throws -> LinearStabilityResult {
        let n = op.dimension
        guard count >= 1, count <= n else {
            throw HartreeFockError.invalidArgument("number of eigenvalues must be in 1...\(n), got \(count)")
        }
        let bs = min(n, max(1, block ?? (count + 1)))
        guard tolerance > 0 else { throw HartreeFockError.invalidArgument("tolerance must be positive") }
        let maxBasis = min(n, max(maxBasis, count + 2 * bs))
        var q: [Double] = []       // basis, column-major n x m
        var aq: [Double] = []      // Pi applied to the basis
        var m = 0
        var rng = SplitMix64(seed: seed, stream: 0x51AB)
        var newBlock = (0..<(n * bs)).map { _ in 2 * SplitMix64.unitDouble(rng.next()) - 1 }
        var restarts = 0
        var result = LinearStabilityResult(eigenvalues: [], eigenvectors: [], residuals: [], converged: false,
                                           products: 0, restarts: 0, basisSize: 0)
        while true {
            // Orthonormalize the new block against the basis and itself (CGS2 + MGS).
            var accepted: [Double] = []
            var kept = 0
            for c in 0..<(newBlock.count / n) {
                var v = Array(newBlock[(c * n)..<((c + 1) * n)])
                let original = norm(v)
                for _ in 0..<2 {
                    orthogonalize(&v, against: q, columns: m, n: n)
                    orthogonalize(&v, against: accepted, columns: kept, n: n)
                }
                var nv = norm(v)
                if nv <= 1e-10 * max(original, 1e-300) {
                    // Deflated direction: replace by a random vector.
                    v = (0..<n).map { _ in 2 * SplitMix64.unitDouble(rng.next()) - 1 }
                    for _ in 0..<2 {
                        orthogonalize(&v, against: q, columns: m, n: n)
                        orthogonalize(&v, against: accepted, columns: kept, n: n)
                    }
                    nv = norm(v)
                    if nv < 1e-12 { continue }
                }
                for i in 0..<n { v[i] /= nv }
                accepted += v
                kept += 1
            }
            guard kept > 0 else { break }   // the basis spans the whole space
            let av = op.apply(accepted, columns: kept)
            q += accepted
            aq += av
            m += kept
            // Rayleigh-Ritz: T = Q^T Pi Q.
            var t = BLAS.transposeProduct(q, aq, rows: n, aColumns: m, bColumns: m)
            for j in 0..<m { for i in 0..<j { let s = 0.5 * (t[i + j * m] + t[j + i * m]); t[i + j * m] = s; t[j + i * m] = s } }
            let ritz = try symmetricEigen(t, m)
            // Descending order.
            let order = Array((0..<m).reversed())
            let want = min(count, m)
            let lambdaMax = max(abs(ritz.values[m - 1]), 1e-300)
            var values: [Double] = [], vectors: [Double] = [], residuals: [Double] = []
            var residualVectors: [Double] = []
            var allConverged = true
            for (rank, idx) in order.enumerated() where rank < max(want, bs) {
                let s = ritz.vector(idx)
                let y = combine(q, s, n: n, m: m)
                let ay = combine(aq, s, n: n, m: m)
                var r = ay
                for i in 0..<n { r[i] -= ritz.values[idx] * y[i] }
                let rn = norm(r)
                if rank < want {
                    values.append(ritz.values[idx]); vectors += y; residuals.append(rn)
                    if rn > tolerance * lambdaMax { allConverged = false }
                }
                residualVectors += r
            }
            result = LinearStabilityResult(eigenvalues: values, eigenvectors: vectors, residuals: residuals,
                                           converged: allConverged && want == count, products: op.products,
                                           restarts: restarts, basisSize: m)
            if result.converged || m >= n { result.converged = result.converged || m >= n; break }
            if op.products >= maxProducts { break }
            if m + bs > maxBasis {
                // Thick restart: keep the best Ritz vectors (and their images).
                let keep = min(m, max(count + bs, maxBasis / 2))
                var nq: [Double] = [], naq: [Double] = []
                for idx in order.prefix(keep) {
                    let s = ritz.vector(idx)
                    nq += combine(q, s, n: n, m: m)
                    naq += combine(aq, s, n: n, m: m)
                }
                q = nq; aq = naq; m = keep
                restarts += 1
            }
            newBlock = residualVectors
        }
        if !result.converged {
            throw SolverError.noConvergence(
                converged: result.residuals.filter { $0 <= tolerance * max(result.eigenvalues.first ?? 1, 1e-300) }.count,
                requested: count,
                message: "the largest eigenvalues of Pi did not converge after \(result.products) products "
                    + "(residuals \(result.residuals)); raise the product limit or the basis size")
        }
        return result
    }

    /// y = Q s for column-major Q (n x m).
    static func combine(_ q: [Double], _ s: [Double], n: Int, m: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n)
        q.withUnsafeBufferPointer { qp in
            s.withUnsafeBufferPointer { sp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.multiply(qp.baseAddress!, sp.baseAddress!, into: yp.baseAddress!, m: n, n: m, k: 1)
                }
            }
        }
        return y
    }

    /// v -= Q (Q^T v) for orthonormal columns Q (n x m).
    static func orthogonalize(_ v: inout [Double], against q: [Double], columns m: Int, n: Int) {
        guard m > 0 else { return }
        let c = BLAS.transposeProduct(q, v, rows: n, aColumns: m, bColumns: 1)
        let p = combine(q, c, n: n, m: m)
        for i in 0..<n { v[i] -= p[i] }
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Eigenpairs of a small dense symmetric matrix (column-major m x m) through the dense
    /// solver layer.
    static func symmetricEigen(_ a: [Double], _ m: Int) throws -> Eigenpairs {
        var rowPointers = [Int](repeating: 0, count: m + 1)
        var columns = [Int32](), values = [Double]()
        columns.reserveCapacity(m * m); values.reserveCapacity(m * m)
        for r in 0..<m {
            for c in 0..<m { columns.append(Int32(c)); values.append(a[r + c * m]) }
            rowPointers[r + 1] = columns.count
        }
        let csr = CSRMatrix(rowCount: m, columnCount: m, rowPointers: rowPointers, columnIndices: columns, values: values)
        return try DenseEigensolver.solve(csr, selection: .all, vectors: true)
    }
}
