import Dispatch
import FermiGlassModel

/// Block Krylov-Schur (thick-restart block Lanczos with full reorthogonalization) for the
/// eigenvalues theta at one end of the spectrum of a symmetric ``LinearOperator`` A
/// (``SpectrumEnd``): the largest |theta| (the shift-invert engine's A = (H - sigma I)^-1,
/// ``ShiftInvertedOperator``, where theta = 1 / (xi - sigma) picks the levels xi closest to
/// sigma), the largest theta (the spin susceptibility Pi of linear stability), or the smallest
/// theta (a Hessian's lowest modes).
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
/// ||A V y - theta V y|| = ||G[k:cur, :k] y|| (the Ritz estimate, exact in exact arithmetic). A restart keeps the best l Ritz vectors (Krylov-Schur): V <- V Y_l,
/// G <- [diag(theta_l); G[k:cur, :k] Y_l], and continues from the unexpanded block.
/// Converged wanted pairs are locked at a restart: they stay in V's first p columns, their
/// residual couplings (below the convergence bound) are dropped, and from then on Rayleigh-Ritz and the
/// restart rotation V[:, p:k] Y only involve the active columns p ..< k (the rotation, a GEMM
/// of n x (k - p) x (l - p), was a fifth of the Krylov time at 200 x 200 without locking).
public enum BlockKrylovSchur {
    /// Default block size: 8 vectors, one 64-byte row of the interleaved solve and of the
    /// Gram-Schmidt kernels; 16 needs ~1.5x the applications (docs/benchmarks/engine.md).
    public static let defaultBlockSize = 8

    /// The basis size used for `nev` wanted pairs: --ncv, or 2 nev + 2 b, reduced to
    /// 1.5 nev + 2 b when the larger basis would pass ``largeBasisBytes``: a small basis costs
    /// restarts, a large one orthogonalization time and 8 n ncv bytes, and once the basis is GBs
    /// the smaller one is about as fast at two thirds of the memory (timings in
    /// docs/benchmarks/engine.md).
    public static func basisSize(nev: Int, dimension n: Int, options: LanczosOptions, blockSize: Int = defaultBlockSize) -> Int {
        let b = max(1, min(blockSize, n / 4))
        var m = 2 * nev + 2 * b
        if 8 * n * m > largeBasisBytes { m = (3 * nev) / 2 + 2 * b }
        return min(n - b, options.basisSize ?? m)
    }

    /// Above this many bytes of Lanczos basis the default basis shrinks to 1.5 nev + 2 b.
    public static let largeBasisBytes = 2 << 30

    /// The `count` eigenpairs of the symmetric operator `op` at the spectrum end `which`.
    ///
    /// Convergence of a wanted Ritz pair (theta, y), with r = ||A y - theta y|| its Ritz estimate:
    /// * ``SpectrumEnd/largestMagnitude``: r <= tol |theta|, or r <= 64 eps max|theta| (the
    ///   rounding floor of an operator such as (H - sigma)^-1, whose largest |theta| can exceed
    ///   the wanted ones by orders of magnitude when sigma sits near a level);
    /// * ``SpectrumEnd/largestAlgebraic``, ``SpectrumEnd/smallestAlgebraic``: r <=
    ///   max(tol, 64 eps) max|theta|, max over all current Ritz values: a relative bound on the
    ///   operator's scale, since the wanted theta may be zero or of either sign.
    /// tol = `options.tolerance` (0: 1e-13). Eigenvalue errors are O(r^2 / gap). The
    /// largest-magnitude end tests convergence when the basis is full (before each restart), the
    /// algebraic ends after every block, so an expensive operator stops as soon as it can.
    ///
    /// `options`: basis size (nil: ``basisSize(nev:dimension:options:blockSize:)``), tolerance,
    /// restart limit, seed of the start block (`method` is ignored). `blockSize`: vectors per
    /// operator application (capped at dimension / 4). `threads`: over how many threads the
    /// Gram-Schmidt products split their rows (at most one per 8192 rows). The same inputs,
    /// seed and thread count give bit-identical results (``LinearOperator/apply(_:into:columns:)``
    /// must be deterministic). Throws ``SolverError/invalidArgument(_:)`` for an impossible basis
    /// (count + block > ncv or ncv > dimension - block: use a dense solver on so small an
    /// operator) and ``SolverError/noConvergence(converged:requested:message:)`` when the restart
    /// limit is reached.
    public static func eigenpairs(of op: some LinearOperator, count: Int, which: SpectrumEnd, options: LanczosOptions = LanczosOptions(),
                                  blockSize: Int = defaultBlockSize, threads: Int = BLASRuntime.threads) throws -> KrylovEigenpairs {
        try eigenpairs(of: op, count: count, which: which, options: options, blockSize: blockSize, threads: threads, order: .wantedEnd)
    }

    /// How ``eigenpairs(of:count:which:options:blockSize:threads:order:)`` returns its pairs.
    enum ColumnOrder {
        /// Wanted end first (the public contract).
        case wantedEnd
        /// As the iteration leaves them in the basis: locked pairs in locking order, then the
        /// active ones by increasing theta. The shift-invert engine sorts its refined pairs
        /// itself and keeps this order, so that its Rayleigh-Ritz step on H, and so its output,
        /// stays bit-identical to the engine's results before this solver was made public.
        case iteration
    }

    /// ``eigenpairs(of:count:which:options:blockSize:threads:)`` with a choice of output order.
    static func eigenpairs(of op: some LinearOperator, count nev: Int, which: SpectrumEnd, options: LanczosOptions,
                           blockSize: Int, threads requestedThreads: Int, order columnOrder: ColumnOrder) throws -> KrylovEigenpairs {
        let n = op.dimension
        guard n > 0 else { throw SolverError.invalidArgument("the operator must have a positive dimension, got \(n)") }
        guard blockSize >= 1 else { throw SolverError.invalidArgument("the block size must be at least 1, got \(blockSize)") }
        let b = max(1, min(blockSize, n / 4))
        guard nev > 0 else { throw SolverError.invalidArgument("the number of eigenpairs must be positive, got \(nev)") }
        let m = basisSize(nev: nev, dimension: n, options: options, blockSize: blockSize)
        guard nev + b <= m else {
            throw SolverError.invalidArgument("the Krylov basis size ncv = \(m) must be at least count + block size = \(nev + b) (and at most sites - \(b) = \(n - b)); raise \(.basisSize), or use \(.solver) dense for so small a lattice")
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

        // The returned pairs: theta, Ritz estimates, and where each column goes (wanted rank).
        let (theta, residuals, ranks) = try v.withUnsafeMutableBufferPointer { vb -> ([Double], [Double], [Int]) in
            let vp = vb.baseAddress!
            func col(_ j: Int) -> UnsafeMutablePointer<Double> { vp + j * n }
            func random(into x: UnsafeMutablePointer<Double>) {
                for i in 0..<n { x[i] = Double(rng.next() >> 11) * 0x1.0p-53 - 0.5 }
            }
            // sqrt(x . x): OpenBLAS's dnrm2 rescales against overflow and runs at a fraction of
            // ddot's speed; Krylov vectors here are O(1) to O(1/gap), far from overflow.
            func norm(_ x: UnsafePointer<Double>) -> Double { BLAS.dot(n, x, x).squareRoot() }

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
                        BLAS.gemm(transposeA: true, transposeB: false, m: count, n: b, k: n, alpha: 1, col(first), lda: n,
                                  col(cur), ldb: n, beta: 0, cp.baseAddress!, ldc: count)
                    }
                    return c
                }
                var partial = [Double](repeating: 0, count: threads * count * b)
                partial.withUnsafeMutableBufferPointer { pp in
                    let base = pp.baseAddress!
                    splitRows { t, lo, hi in
                        Kernels.project8(rows: hi - lo, columns: count, col(first) + lo, ldv: n, col(cur) + lo, ldw: n,
                                         into: base + t * count * b, ldc: count)
                    }
                }
                for t in 0..<threads { for i in 0..<(count * b) { c[i] += partial[t * count * b + i] } }
                return c
            }
            /// W -= V[:, first ..< first+count] C (`fg_subtract8` for a block of 8, rows split over the threads).
            func subtract(_ first: Int, _ count: Int, _ c: [Double], cur: Int) {
                c.withUnsafeBufferPointer { cp in
                    guard b == 8 else {
                        BLAS.gemm(transposeA: false, transposeB: false, m: n, n: b, k: count, alpha: -1, col(first), lda: n,
                                  cp.baseAddress!, ldb: count, beta: 1, col(cur), ldc: n)
                        return
                    }
                    splitRows { _, lo, hi in
                        Kernels.subtract8(rows: hi - lo, columns: count, col(first) + lo, ldv: n, cp.baseAddress!, ldc: count,
                                          from: col(cur) + lo, ldw: n)
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
                            let d = BLAS.dot(n, col(cur + i), x)
                            BLAS.axpy(n, -d, col(cur + i), x)
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
                                let d = BLAS.dot(n, col(i), x)
                                BLAS.axpy(n, -d, col(i), x)
                            }
                        }
                        nrm = norm(x)
                        BLAS.scale(n, 1 / nrm, x)
                    } else {
                        r[j + j * b] = nrm
                        BLAS.scale(n, 1 / nrm, x)
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
                            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: cols, k: k - p, alpha: 1,
                                      vp + p * n + row, lda: n, yp.baseAddress!, ldb: k - p, beta: 0, tp.baseAddress!, ldc: rows)
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
            // order of the locked residuals, are dropped).
            var p = 0
            var lockedTheta: [Double] = [], lockedResidual: [Double] = []
            // The first expansion after the start or a restart needs the full projection.
            var coupledToAll = true
            // When convergence is tested: the largest-magnitude end serves the shift-invert
            // engine, whose applications (a triangular solve pair per vector) cost about what
            // the block's orthogonalization costs and whose basis holds hundreds of vectors; a
            // k x k eigenproblem after every block would cost more than it saves, so it tests
            // when the basis is full (as ARPACK does). The algebraic ends serve matrix-free
            // operators whose products dominate (Pi: two dgemms over occupied x empty orbitals
            // per vector; a Hartree-Fock Hessian), so they test after every block and stop as
            // soon as the wanted pairs have converged.
            let testsEveryBlock = which != .largestMagnitude
            while true {
                // Expand by one block, up to m columns; Rayleigh-Ritz when the basis is full
                // (or after every block, `testsEveryBlock`).
                if k + b <= m {
                    let cur = k + b
                    try op.apply(col(k), into: col(cur), columns: b)
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
                let full = k + b > m
                if !full && !testsEveryBlock { continue }
                // Rayleigh-Ritz on the active part S = G[p:k, p:k].
                let restartStart = clock.now
                defer { phases.restart += (clock.now - restartStart).seconds }
                let ka = k - p
                var s = [Double](repeating: 0, count: ka * ka)
                for j in 0..<ka { for i in 0..<ka { s[i + j * ka] = 0.5 * (g[p + i + (p + j) * ld] + g[p + j + (p + i) * ld]) } }
                let thetaA = try LAPACK.dsyevd(&s, n: ka, vectors: true)
                // Candidates: locked c (index c) and active a (index p + a), wanted end first
                // (ties by index).
                let theta = lockedTheta + thetaA
                let order: [Int]
                switch which {
                case .largestMagnitude:
                    order = (0..<k).sorted { abs(theta[$0]) > abs(theta[$1]) || (abs(theta[$0]) == abs(theta[$1]) && $0 < $1) }
                case .largestAlgebraic:
                    order = (0..<k).sorted { theta[$0] > theta[$1] || (theta[$0] == theta[$1] && $0 < $1) }
                case .smallestAlgebraic:
                    order = (0..<k).sorted { theta[$0] < theta[$1] || (theta[$0] == theta[$1] && $0 < $1) }
                }
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
                // Converged, largest magnitude: ||r_i|| <= tol |theta_i|, or at the rounding floor
                // of the operator, 64 eps |theta_max| (a shift close to a level makes |theta_max| >>
                // |theta_i|, and no basis can resolve r_i below the solve's rounding; the
                // Rayleigh-Ritz step on H afterwards recovers the eigenvalues to O(residual^2)).
                // Algebraic ends: ||r_i|| <= max(tol, 64 eps) |theta|_max over all Ritz values.
                // Locked pairs count as converged.
                let wanted = Array(order.prefix(nev))
                let bound: (Int) -> Double
                switch which {
                case .largestMagnitude:
                    let floor = 64 * Double.ulpOfOne * abs(theta[order[0]])
                    bound = { max(tol * abs(theta[$0]), floor) }
                case .largestAlgebraic, .smallestAlgebraic:
                    let scale = max(tol, 64 * Double.ulpOfOne) * theta.reduce(0) { max($0, abs($1)) }
                    bound = { _ in scale }
                }
                var isConverged = [Bool](repeating: false, count: k)
                var residuals = [Double](repeating: 0, count: k)
                for c in 0..<p { isConverged[c] = true; residuals[c] = lockedResidual[c] }
                for idx in wanted where idx >= p {
                    residuals[idx] = residual(idx)
                    isConverged[idx] = residuals[idx] <= bound(idx)
                }
                let converged = wanted.filter { isConverged[$0] }.count
                options.progress?.report("Lanczos run, pairs converged", converged, nev)
                if converged == nev || (full && restarts >= options.maxRestarts) {
                    if converged < nev {
                        throw SolverError.noConvergence(
                            converged: converged, requested: nev,
                            message: "block Krylov-Schur reached the maximum of \(options.maxRestarts) restarts with \(converged) of \(nev) eigenpairs converged; raise \(.maxRestarts), enlarge the basis (\(.basisSize), now \(m)), or loosen \(.tolerance) (now \(tol))")
                    }
                    // Wanted active Ritz vectors into columns p ..< p + q, then the wanted columns
                    // (locked ones in place, in increasing column order) moved to the front.
                    let lockedWanted = wanted.filter { $0 < p }.sorted(), activeWanted = wanted.filter { $0 >= p }.sorted()
                    rotate(from: p, k: k, y: ritzCoefficients(activeWanted), cols: activeWanted.count)
                    let columns = lockedWanted + (0..<activeWanted.count).map { p + $0 }
                    for (dest, src) in columns.enumerated() where dest != src { col(dest).update(from: col(src), count: n) }
                    let returned = lockedWanted + activeWanted
                    let rank = Dictionary(uniqueKeysWithValues: wanted.enumerated().map { ($1, $0) })
                    return (returned.map { theta[$0] }, returned.map { residuals[$0] }, returned.map { rank[$0]! })
                }
                if !full { continue }
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
                lockedResidual += newlyLocked.map { residuals[$0] }
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
        var result = KrylovEigenpairs(values: theta, vectors: v, residuals: residuals, restarts: restarts,
                                      applications: applications, phases: phases)
        v = []
        if columnOrder == .wantedEnd {
            // Column c holds the pair of wanted rank ranks[c]: move it there, in place.
            var source = [Int](repeating: 0, count: nev)
            for (c, r) in ranks.enumerated() { source[r] = c }
            result.values = source.map { theta[$0] }
            result.residuals = source.map { residuals[$0] }
            result.vectors.permuteColumns(rows: n, source: source)
        }
        return result
    }

    /// Seconds of the two basis-bound phases of ``eigenpairs(of:count:which:options:blockSize:threads:)`` (the rest of its time is
    /// the operator applications): the profile behind docs/benchmarks/engine.md.
    public struct Phases: Sendable, Equatable {
        /// Projecting each new block out of the basis and orthonormalizing it.
        public var orthogonalization = 0.0
        /// Rayleigh-Ritz steps, convergence tests and the restart (and final) rotations
        /// V <- V Y of the kept Ritz vectors.
        public var restart = 0.0

        public init() {}
    }
}
