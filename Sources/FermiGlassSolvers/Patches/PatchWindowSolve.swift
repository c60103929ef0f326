import FermiGlassModel

/// One patch's eigenpairs in [lower, upper] by shift-invert with one LDL^T factorization per
/// slice and no inertia counts.
///
/// The global engine's window solve certifies every slice by Sylvester counts at its two
/// edges, so a patch window of one slice costs three factorizations of the patch
/// (count(lower), count(upper), and the shift at the centre). A patch needs no certificate of
/// its own: the states it keeps are checked on the whole lattice's H, and the union over all
/// patches is certified by the global inertia count (CONVENTIONS.md §5), which reruns the pass
/// with a doubled halo if a state is missing. So here the window is cut, before anything is
/// factored, into equal-width slices from the expected number of states
///
///     k = rho m (upper - lower),   rho = states per site per t1 (the global count over
///                                  the whole lattice's window: ``PatchPlan/density``),
///
/// of at most ``ShiftInvertOptions/sliceCapacity`` states each; each slice [a, b) is one
/// factorization of H_patch - sigma at its centre sigma and one Krylov run for the
/// nev = k + 2 sqrt(k) + 6 eigenpairs nearest sigma (fluctuations of the local density of
/// states plus a guard). The run holds every eigenvalue within the distance R of the farthest
/// pair it returned (the nev pairs nearest sigma include all closer ones); the parts of the
/// slice beyond R, when the local density was higher than expected, are solved as slices of
/// their own (one more factorization each, a few per patch). Deterministic: the slices and nev
/// are functions of the arguments alone.
enum PatchWindowSolve {
    /// What the solve did (per-patch profile).
    struct Statistics: Sendable {
        var factorizations = 0
        var krylovRuns = 0
        var factorSeconds = 0.0
        var krylovSeconds = 0.0
    }

    /// The Krylov tolerance of patch solves when none is asked for (`--tol 0`). A converged
    /// pair of (H_p - sigma)^-1 with ||(H_p - sigma)^-1 y - theta y|| <= tol |theta| has
    /// ||H_p y - lambda y|| <= tol ||H_p - sigma|| <= 2 tol ||H||_inf: 1e-10 leaves the patch's
    /// own error far below the cut-bond residual the patch states are checked for (tol >= 1e-8
    /// ||H||_inf in practice), while the engine's 1e-13 costs restarts and can stall a run on
    /// rounding (a slice of 69 pairs reached 1000 restarts with 68 converged).
    static let krylovTolerance = 1e-10

    /// Largest patch solved dense when a slice would ask a Krylov run for a third of its levels.
    static let denseFallbackSites = 4000

    /// Every eigenpair of `hp` with energy in [lower, upper], ascending, handed to `body`
    /// slice by slice. `density`: expected states per site per t1 (0: unknown, 0.1 is used,
    /// the paper model's density near E_F at W = 9).
    static func solve(_ hp: CSRMatrix, _ lower: Double, _ upper: Double, density: Double, engine: ShiftInvertOptions,
                      _ body: (Eigenpairs) throws -> Void) throws -> Statistics {
        let m = hp.rowCount
        guard upper >= lower, m > 1 else { return Statistics() }
        var o = engine
        // One factorization object for shifts (no separate counter: no counts are taken).
        o.factorization = engine.factorization.resolved(sites: m).solves
        o.progress = nil
        o.certifyNearest = false
        if o.lanczos.tolerance == 0 { o.lanczos.tolerance = krylovTolerance }
        var run = Run(hp: hp, solver: try ShiftInvertSolver(hp, options: o), density: density > 0 ? density : 0.1)
        let expected = run.density * Double(m) * (upper - lower)
        let pieces = max(1, Int((expected / Double(max(8, o.sliceCapacity))).rounded(.up)))
        let width = (upper - lower) / Double(pieces)
        for j in 0..<pieces {
            let a = lower + width * Double(j)
            let b = j == pieces - 1 ? upper.nextUp : lower + width * Double(j + 1)
            try run.interval(a, b, depth: 0, body)
        }
        run.stats.factorizations = run.solver.statistics.factorizations
        return run.stats
    }

    /// The state of one patch solve: the patch's H, its shift-invert engine, the density.
    struct Run {
        let hp: CSRMatrix
        let solver: ShiftInvertSolver
        let density: Double
        var stats = Statistics()
        let clock = ContinuousClock()

        /// Every eigenpair in [a, b), ascending, to `body`. One factorization at the centre
        /// sigma and a Krylov run for nev = k + 2 sqrt(k) + 6 pairs (k = rho m (b - a) expected):
        /// the pairs nearest sigma include every level closer than the farthest one returned, R,
        /// so [sigma - R, sigma + R) (shrunk by 1e-3 R against ties) is complete; what lies
        /// outside it in [a, b) is solved the same way on each side (a shift of its own), up to
        /// depth 6, then by runs of twice the pairs on the same factor.
        mutating func interval(_ a: Double, _ b: Double, depth: Int, _ body: (Eigenpairs) throws -> Void) throws {
            let m = hp.rowCount
            guard b > a else { return }
            let k = density * Double(m) * (b - a)
            var nev = Int((k + 2 * k.squareRoot()).rounded(.up)) + 6
            // A slice holding a third of a small patch's levels is cheaper (and safer) dense.
            if 3 * nev > m && m <= denseFallbackSites {
                do {
                    try body(DenseEigensolver.solve(hp, selection: .energies(a...b.nextDown)))
                } catch SolverError.emptySelection {}
                return
            }
            nev = min(m - 1, nev)
            let sigma = 0.5 * (a + b)
            let before = solver.statistics.factorSeconds
            let used = try solver.krylovShift(at: sigma)
            stats.factorSeconds += solver.statistics.factorSeconds - before
            while true {
                let t = clock.now
                let pairs = try solver.lanczos(sigma: used, nev: nev)
                stats.krylovSeconds += (clock.now - t).seconds
                stats.krylovRuns += 1
                let farthest = pairs.values.map { abs($0 - used) }.max() ?? 0
                let lo = max(a, used - 0.999 * farthest), hi = min(b, used + 0.999 * farthest)
                let complete = (lo == a && hi == b) || nev >= m - 1
                if complete || (depth < 6 && hi > lo) {
                    let (x, y) = complete ? (a, b) : (lo, hi)
                    if !complete { try interval(a, lo, depth: depth + 1, body) }
                    let keep = pairs.values.indices.filter { pairs.values[$0] >= x && pairs.values[$0] < y }
                    if let first = keep.first { try body(pairs.subset(first..<(first + keep.count))) }
                    if !complete { try interval(hi, b, depth: depth + 1, body) }
                    return
                }
                guard 3 * nev <= m || m > denseFallbackSites else {
                    // Too many pairs for a Krylov run on so small a patch: dense.
                    do {
                        try body(DenseEigensolver.solve(hp, selection: .energies(a...b.nextDown)))
                    } catch SolverError.emptySelection {}
                    return
                }
                nev = min(m - 1, 2 * nev)
            }
        }
    }
}
