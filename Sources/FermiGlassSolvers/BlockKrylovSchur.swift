import CLAPACK
import Dispatch
import FermiGlassModel
import _FermiGlassKernels

/// Block Krylov-Schur (thick-restart block Lanczos with full reorthogonalization) for the
/// largest-magnitude eigenvalues theta of a symmetric operator A, here A = (H - sigma I)^-1, so
/// that theta = 1 / (xi - sigma) picks the levels xi closest to sigma.
///
/// Why not ARPACK alone: ARPACK's dsaupd orthogonalizes one vector at a time (BLAS-2, reading
/// the whole Lanczos basis 2-4 times per step) and applies the operator to one vector at a
/// time (reading the whole LDL^T factor per solve). Both are memory-bound. Here the operator
/// is applied to a block of b vectors per factor read (a multi-vector solve) and each new block
/// is orthogonalized against the basis by block classical Gram-Schmidt, local then global (see
/// `orthonormalizeBlock`), so the basis is read about twice per block instead of 2-4 times per
/// vector; for b = 8 the two products stream the basis through FermiGlass's kernels
/// (`fg_project8`, `fg_subtract8`), about twice as fast as OpenBLAS's packed GEMM on so narrow
/// a block.
///
/// Relation kept at all times (k expanded columns, cur = k + b orthonormal columns):
///     A V[:, :k] = V[:, :cur] G[:cur, :k]
/// Rayleigh-Ritz on S = G[:k, :k] gives Ritz pairs (theta, V y) with residual norm
/// ||G[k:cur, :k] y||. A restart keeps the best l Ritz vectors (Krylov-Schur): V <- V Y_l,
/// G <- [diag(theta_l); G[k:cur, :k] Y_l], and continues from the unexpanded block.
/// Converged wanted pairs are locked at a restart: they stay in V's first p columns, their
/// residual couplings (<= tol |theta|) are dropped, and from then on Rayleigh-Ritz and the
/// restart rotation V[:, p:k] Y only involve the active columns p ..< k (the rotation, a GEMM
/// of n x (k - p) x (l - p), was a fifth of the Krylov time at 200 x 200 without locking).
public enum BlockKrylovSchur {
    /// Default block size: 8 vectors, one 64-byte row of the interleaved solve and of the
    /// Gram-Schmidt kernels; 16 needs ~1.5x the applications (docs/benchmarks/engine.md).
    public static let defaultBlockSize = 8

    /// The basis size used for `nev` wanted pairs: --ncv, or 2 nev + 2 b, reduced to
    /// 1.5 nev + 2 b when the larger basis would pass ``largeBasisBytes``. Measured on an idle
    /// machine (docs/benchmarks/engine.md): at 500 x 500, k = 100, ncv 216 took 18.9 s and 166
    /// took 23.6 s (9 restarts against 3); at 1000 x 1000, k = 200, where the basis is GBs and
    /// its orthogonalization dominates, 316 took 186 s and 3.9 GB peak against 195 s and 5.9 GB
    /// for 416. Memory: 8 n ncv bytes.
    public static func basisSize(nev: Int, dimension n: Int, options: LanczosOptions, blockSize: Int = defaultBlockSize) -> Int {
        let b = max(1, min(blockSize, n / 4))
        var m = 2 * nev + 2 * b
        if 8 * n * m > largeBasisBytes { m = (3 * nev) / 2 + 2 * b }
        return min(n - b, options.basisSize ?? m)
    }

    /// Above this many bytes of Lanczos basis the default basis shrinks to 1.5 nev + 2 b.
    public static let largeBasisBytes = 2 << 30

    /// The `nev` eigenpairs of A with largest |theta| (theta values and n x nev vectors).
    /// `apply(x, y, columns)` must set y = A x for `columns` column-major vectors. `threads`:
    /// over how many threads the Gram-Schmidt products split their rows (at most one per 8192
    /// rows; default `--threads`); a given count gives bit-identical results.
    static func largestMagnitude(dimension n: Int, nev: Int, options: LanczosOptions, blockSize: Int = defaultBlockSize,
                                 threads requestedThreads: Int = BLASRuntime.threads,
                                 apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) throws -> Void)
        throws -> (theta: [Double], vectors: [Double], restarts: Int, applications: Int, phases: Phases)
    {
        let b = max(1, min(blockSize, n / 4))
        guard nev > 0 else { throw SolverError.invalidArgument("the number of eigenpairs must be positive, got \(nev)") }
        let m = basisSize(nev: nev, dimension: n, options: options, blockSize: blockSize)
        guard nev + b <= m else {
            throw SolverError.invalidArgument("the Krylov basis size ncv = \(m) must be at least count + block size = \(nev + b) (and at most sites - \(b) = \(n - b)); raise --ncv, or use --solver dense for so small a lattice")
        }
        guard options.maxRestarts > 0 else { throw SolverError.invalidArgument("the maximum number of restarts must be positive, got \(options.maxRestarts)") }
        let tol = options.tolerance > 0 ? options.tolerance : 1e-13
        try MemoryPlan.require(bytes: 8 * n * (m + b) + 8 * (m + b) * (m + b) * 3 + 8 * 4096 * m,
                               what: "the Krylov basis (ncv = \(m), block \(b)) of dimension \(n)")

        let ld = m + b  // rows of G
        var v = [Double](repeating: 0, count: n * (m + b))
        var g = [Double](repeating: 0, count: ld * m)
        var rng = SplitMix64(seed: options.seed, stream: 0x424B5348)  // "BKSH"
        var applications = 0
        var restarts = 0
        var phases = Phases()
        let clock = ContinuousClock()

        let theta = try v.withUnsafeMutableBufferPointer { vb -> [Double] in
            let vp = vb.baseAddress!
            func col(_ j: Int) -> UnsafeMutablePointer<Double> { vp + j * n }
            func random(into x: UnsafeMutablePointer<Double>) {
                for i in 0..<n { x[i] = Double(rng.next() >> 11) * 0x1.0p-53 - 0.5 }
            }
            // sqrt(x . x): OpenBLAS's dnrm2 rescales against overflow and runs at a fraction of
            // ddot's speed; Krylov vectors here are O(1) to O(1/gap), far from overflow.
            func norm(_ x: UnsafePointer<Double>) -> Double { cblas_ddot(Int32(n), x, 1, x, 1).squareRoot() }

            let threads = max(1, min(requestedThreads, n / 8192))
            /// body(t, lo, hi) for each thread t and its contiguous row range lo ..< hi of 0 ..< n.
            func splitRows(_ body: (Int, Int, Int) -> Void) {
                if threads == 1 { return body(0, 0, n) }
                DispatchQueue.concurrentPerform(iterations: threads) { t in body(t, t * n / threads, (t + 1) * n / threads) }
            }
            /// C (count x b) = V[:, first ..< first+count]^T W for the new block W = V[:, cur ..< cur+b].
            /// A block of 8 goes through FermiGlass's streaming kernel (`fg_project8`), its row
            /// range split over the threads and the partial products summed in a fixed order.
            func project(_ first: Int, _ count: Int, cur: Int) -> [Double] {
                var c = [Double](repeating: 0, count: count * b)
                guard b == 8 else {
                    c.withUnsafeMutableBufferPointer { cp in
                        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(count), Int32(b), Int32(n), 1, col(first), Int32(n),
                                    col(cur), Int32(n), 0, cp.baseAddress, Int32(count))
                    }
                    return c
                }
                var partial = [Double](repeating: 0, count: threads * count * b)
                partial.withUnsafeMutableBufferPointer { pp in
                    let base = pp.baseAddress!
                    splitRows { t, lo, hi in
                        fg_project8(Int64(hi - lo), Int32(count), col(first) + lo, Int64(n), col(cur) + lo, Int64(n),
                                    base + t * count * b, Int32(count))
                    }
                }
                for t in 0..<threads { for i in 0..<(count * b) { c[i] += partial[t * count * b + i] } }
                return c
            }
            /// W -= V[:, first ..< first+count] C (`fg_subtract8` for a block of 8, rows split over the threads).
            func subtract(_ first: Int, _ count: Int, _ c: [Double], cur: Int) {
                c.withUnsafeBufferPointer { cp in
                    guard b == 8 else {
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(b), Int32(count), -1, col(first), Int32(n),
                                    cp.baseAddress, Int32(count), 1, col(cur), Int32(n))
                        return
                    }
                    splitRows { _, lo, hi in
                        fg_subtract8(Int64(hi - lo), Int32(count), col(first) + lo, Int64(n), cp.baseAddress, Int32(count),
                                     col(cur) + lo, Int64(n))
                    }
                }
            }

            /// Orthonormalizes columns cur ..< cur+b against V[:, :cur] and among themselves
            /// (MGS2), replacing rank-deficient columns by random vectors. Returns the
            /// coefficients: C (cur x b) and R (b x b), column-major.
            ///
            /// Against V: classical Gram-Schmidt, the basis streamed once per product
            /// (``project`` and ``subtract``, memory-bound: the passes over V are what costs).
            /// `local`: the first column of the only blocks W = A V[:, k:k+b] can have O(1)
            /// components along. V^T A V is symmetric and A V[:, :k] = V[:, :cur] G with G
            /// block upper Hessenberg below the kept (Ritz) columns, so in exact arithmetic W is
            /// orthogonal to every column before the previous block: local = cur - 2b, except
            /// for the first expansion after the start or a restart, whose block is coupled to
            /// every kept Ritz vector (local = 0). With local > 0, W is first projected on the
            /// 2b local columns (in cache); then once on all of V, which removes the
            /// rounding-level remainder. A further pass on all of V follows only when a column
            /// lost more than 1 - 1/sqrt(2) of its norm in the last one (the DGKS criterion).
            /// So two reads of V per block, against 2.75 for CGS2 with DGKS.
            func orthonormalizeBlock(cur: Int, local: Int = 0) -> (c: [Double], r: [Double]) {
                var c = [Double](repeating: 0, count: max(cur, 1) * b)
                var r = [Double](repeating: 0, count: b * b)
                var original = [Double](repeating: 0, count: b)
                for j in 0..<b { original[j] = norm(col(cur + j)) }
                if cur > 0 {
                    if local > 0 {
                        let cl = project(local, cur - local, cur: cur)
                        subtract(local, cur - local, cl, cur: cur)
                        for j in 0..<b { for i in 0..<(cur - local) { c[local + i + j * cur] += cl[i + j * (cur - local)] } }
                    }
                    var before = local > 0 ? (0..<b).map { norm(col(cur + $0)) } : original
                    for pass in 0..<2 {
                        let cg = project(0, cur, cur: cur)
                        subtract(0, cur, cg, cur: cur)
                        for i in 0..<(cur * b) { c[i] += cg[i] }
                        let after = (0..<b).map { norm(col(cur + $0)) }
                        if pass == 0 && (0..<b).allSatisfy({ after[$0] >= 0.7071 * before[$0] }) { break }
                        before = after
                    }
                }
                for j in 0..<b {
                    let x = col(cur + j)
                    for _ in 0..<2 {
                        for i in 0..<j {
                            let d = cblas_ddot(Int32(n), col(cur + i), 1, x, 1)
                            cblas_daxpy(Int32(n), -d, col(cur + i), 1, x, 1)
                            r[i + j * b] += d
                        }
                    }
                    var nrm = norm(x)
                    if !(nrm > 1e-10 * original[j]) || original[j] == 0 {
                        // The block lost rank (an invariant subspace was found): continue with a
                        // random direction orthogonal to everything so far; its R entry is 0.
                        r[j + j * b] = 0
                        random(into: x)
                        for _ in 0..<2 {
                            for i in 0..<(cur + j) {
                                let d = cblas_ddot(Int32(n), col(i), 1, x, 1)
                                cblas_daxpy(Int32(n), -d, col(i), 1, x, 1)
                            }
                        }
                        nrm = norm(x)
                        cblas_dscal(Int32(n), 1 / nrm, x, 1)
                    } else {
                        r[j + j * b] = nrm
                        cblas_dscal(Int32(n), 1 / nrm, x, 1)
                    }
                }
                return (c, r)
            }

            /// V[:, p ..< p+cols] <- V[:, p ..< k] Y (Y is (k - p) x cols, column-major), in row
            /// chunks (no n x cols copy).
            func rotate(from p: Int, k: Int, y: [Double], cols: Int) {
                guard cols > 0 else { return }
                let chunk = 4096
                var tmp = [Double](repeating: 0, count: chunk * cols)
                y.withUnsafeBufferPointer { yp in
                    tmp.withUnsafeMutableBufferPointer { tp in
                        var row = 0
                        while row < n {
                            let rows = min(chunk, n - row)
                            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(cols), Int32(k - p), 1,
                                        vp + p * n + row, Int32(n), yp.baseAddress, Int32(k - p), 0, tp.baseAddress, Int32(rows))
                            for j in 0..<cols { (vp + (p + j) * n + row).update(from: tp.baseAddress! + j * rows, count: rows) }
                            row += rows
                        }
                    }
                }
            }

            // Starting block: seeded random, orthonormalized.
            for j in 0..<b { random(into: col(j)) }
            _ = orthonormalizeBlock(cur: 0)
            var k = 0
            // Locked (deflated) Ritz pairs: converged wanted pairs are moved to V's first p
            // columns at a restart and left there; later Rayleigh-Ritz steps and rotations only
            // involve the active columns p ..< k (their couplings to the locked ones, of the
            // order of the locked residuals <= tol |theta|, are dropped).
            var p = 0
            var lockedTheta: [Double] = []
            // The first expansion after the start or a restart needs the full projection.
            var coupledToAll = true
            while true {
                // Expand to m columns.
                while k + b <= m {
                    let cur = k + b
                    try apply(col(k), col(cur), b)
                    applications += b
                    let t = clock.now
                    let (c, r) = orthonormalizeBlock(cur: cur, local: coupledToAll ? 0 : cur - 2 * b)
                    phases.orthogonalization += (clock.now - t).seconds
                    coupledToAll = false
                    for j in 0..<b {
                        for i in 0..<cur { g[i + (k + j) * ld] = c[i + j * cur] }
                        for i in 0..<b { g[cur + i + (k + j) * ld] = r[i + j * b] }
                    }
                    k += b
                }
                // Rayleigh-Ritz on the active part S = G[p:k, p:k].
                let restartStart = clock.now
                defer { phases.restart += (clock.now - restartStart).seconds }
                let ka = k - p
                var s = [Double](repeating: 0, count: ka * ka)
                for j in 0..<ka { for i in 0..<ka { s[i + j * ka] = 0.5 * (g[p + i + (p + j) * ld] + g[p + j + (p + i) * ld]) } }
                let thetaA = try LAPACK.dsyevd(&s, n: ka, vectors: true)
                // Candidates: locked c (index c) and active a (index p + a), by |theta| descending.
                let theta = lockedTheta + thetaA
                let order = (0..<k).sorted { abs(theta[$0]) > abs(theta[$1]) || (abs(theta[$0]) == abs(theta[$1]) && $0 < $1) }
                // Coupling G[k:k+b, p:k] y of the Ritz pair of candidate idx (active), whose norm
                // is its residual; and the Ritz coefficient vectors y of a list of candidates.
                func coupling(_ idx: Int) -> [Double] {
                    (0..<b).map { i in
                        var t = 0.0
                        for j in 0..<ka { t += g[k + i + (p + j) * ld] * s[j + (idx - p) * ka] }
                        return t
                    }
                }
                func residual(_ idx: Int) -> Double { coupling(idx).reduce(0) { $0 + $1 * $1 }.squareRoot() }
                func ritzCoefficients(_ indices: [Int]) -> [Double] {
                    var y = [Double](repeating: 0, count: ka * indices.count)
                    for (c, idx) in indices.enumerated() { for i in 0..<ka { y[i + c * ka] = s[i + (idx - p) * ka] } }
                    return y
                }
                // Converged: ||r_i|| <= tol |theta_i|, or at the rounding floor of the operator,
                // 64 eps |theta_max| (a shift close to a level makes |theta_max| >> |theta_i|, and
                // no basis can resolve r_i below the solve's rounding; the Rayleigh-Ritz step on H
                // afterwards recovers the eigenvalues to O(residual^2)). Locked pairs count as converged.
                let floor = 64 * Double.ulpOfOne * abs(theta[order[0]])
                let wanted = Array(order.prefix(nev))
                var isConverged = [Bool](repeating: false, count: k)
                for c in 0..<p { isConverged[c] = true }
                for idx in wanted where idx >= p { isConverged[idx] = residual(idx) <= max(tol * abs(theta[idx]), floor) }
                let converged = wanted.filter { isConverged[$0] }.count
                if converged == nev || restarts >= options.maxRestarts {
                    if converged < nev {
                        throw SolverError.noConvergence(
                            converged: converged, requested: nev,
                            message: "block Krylov-Schur reached the maximum of \(options.maxRestarts) restarts with \(converged) of \(nev) eigenpairs converged; raise --max-restarts, enlarge the basis (--ncv, now \(m)), or loosen --tol (now \(tol))")
                    }
                    // Wanted active Ritz vectors into columns p ..< p + q, then the wanted columns
                    // (locked ones in place, in increasing column order) moved to the front.
                    let lockedWanted = wanted.filter { $0 < p }.sorted(), activeWanted = wanted.filter { $0 >= p }.sorted()
                    rotate(from: p, k: k, y: ritzCoefficients(activeWanted), cols: activeWanted.count)
                    let columns = lockedWanted + (0..<activeWanted.count).map { p + $0 }
                    for (dest, src) in columns.enumerated() where dest != src { col(dest).update(from: col(src), count: n) }
                    return (lockedWanted + activeWanted).map { theta[$0] }
                }
                // Thick restart: keep l Ritz vectors in all (all wanted plus half the rest): the
                // locked ones, the newly converged wanted ones (locked from now on), and the best
                // active ones.
                restarts += 1
                let l = min(m - b, max(nev, (nev + k) / 2))
                let newlyLocked = wanted.filter { $0 >= p && isConverged[$0] }
                let newP = p + newlyLocked.count
                let activeKeep = Array(order.filter { $0 >= p && !newlyLocked.contains($0) }.prefix(max(0, l - newP)))
                let rotated = newlyLocked + activeKeep
                let couplings = activeKeep.map(coupling)  // G[k:k+b, p:k] Y_active, per kept column
                rotate(from: p, k: k, y: ritzCoefficients(rotated), cols: rotated.count)
                let newK = p + rotated.count
                for j in 0..<b { col(newK + j).update(from: col(k + j), count: n) }
                for i in 0..<g.count { g[i] = 0 }
                lockedTheta += newlyLocked.map { theta[$0] }
                for c in 0..<newP { g[c + c * ld] = lockedTheta[c] }
                for (c, idx) in activeKeep.enumerated() {
                    let column = newP + c
                    g[column + column * ld] = theta[idx]
                    for i in 0..<b { g[newK + i + column * ld] = couplings[c][i] }
                }
                p = newP
                k = newK
                coupledToAll = true
            }
        }
        // The wanted Ritz vectors are V's first nev columns: drop the rest in place rather
        // than copy them out (a copy would add 8 n nev bytes to the peak: 1.6 GB at 10^6
        // sites and 200 states).
        v.removeLast(v.count - n * nev)
        return (theta, v, restarts, applications, phases)
    }

    /// Seconds of the two basis-bound phases of ``largestMagnitude`` (the rest of its time is
    /// the operator applications): the profile behind docs/benchmarks/engine.md.
    public struct Phases: Sendable, Equatable {
        /// Projecting each new block out of the basis and orthonormalizing it.
        public var orthogonalization = 0.0
        /// Rayleigh-Ritz steps, convergence tests and the restart (and final) rotations
        /// V <- V Y of the kept Ritz vectors.
        public var restart = 0.0
    }
}
