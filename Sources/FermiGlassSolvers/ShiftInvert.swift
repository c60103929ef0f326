import FermiGlassModel

/// Options of the shift-invert engine.
public struct ShiftInvertOptions: Sendable, Equatable {
    /// The implicitly restarted Lanczos run (ncv, tolerance, restarts, seed).
    public var lanczos: LanczosOptions
    /// Most states one Lanczos run is asked to deliver; wider windows are sliced so that every
    /// slice holds at most this many states (by inertia count).
    public var sliceCapacity: Int
    /// Test hook: ask every slice's Lanczos run for exactly this many pairs, whatever the
    /// slice holds. Too small a value must make the window fail as incomplete.
    public var forcedSliceCount: Int?
    /// Certify `.nearest` results with two extra inertia counts (extra factorizations).
    public var certifyNearest: Bool
    /// The sparse LDL^T behind the shifts and the inertia counts.
    public var factorization: FactorizationBackend
    /// Vectors per block Krylov step and per solve call (nil: the backend's preferred size).
    public var blockSize: Int?
    /// Largest n x p block (bytes, two of them) refined by a full Rayleigh-Ritz on H; larger
    /// runs take Rayleigh quotients only (O(n) extra memory).
    var rayleighRitzLimitBytes = 512 << 20
    /// Called after each solved slice of a window with (phase, slices done, slices in all);
    /// not part of the numbers (two options differing only here compare equal).
    public var progress: ProgressHook? = nil

    public init(lanczos: LanczosOptions = LanczosOptions(), sliceCapacity: Int = 160, forcedSliceCount: Int? = nil,
                certifyNearest: Bool = true, factorization: FactorizationBackend = .standard, blockSize: Int? = nil) {
        self.lanczos = lanczos
        self.factorization = factorization
        self.blockSize = blockSize
        self.sliceCapacity = sliceCapacity
        self.forcedSliceCount = forcedSliceCount
        self.certifyNearest = certifyNearest
    }
}

/// A progress callback carried by options that are compared for equality: it never takes part
/// in the comparison.
public struct ProgressHook: Sendable, Equatable {
    public let report: @Sendable (String, Int, Int) -> Void
    public init(_ report: @escaping @Sendable (String, Int, Int) -> Void) { self.report = report }
    public static func == (a: ProgressHook, b: ProgressHook) -> Bool { true }
}

/// What the engine did, for summary.json.
public struct ShiftInvertStatistics: Sendable {
    /// The factorization used (``FactorizationBackend/description``).
    public var factorization = ""
    /// Vectors per block Krylov step.
    public var blockSize = 0
    public var ordering = ""
    /// nnz(L) predicted by each ordering tried.
    public var orderingFill: [(String, Int)] = []
    public var factorNonzeros = 0
    public var analysisSeconds = 0.0
    public var factorSeconds = 0.0
    public var factorizations = 0
    /// Lanczos runs (one per slice or nearest request).
    public var lanczosRuns = 0
    /// Applications of (H - sigma)^-1, i.e. triangular solve pairs with the factor.
    public var solves = 0
    /// Implicit restarts, summed over runs.
    public var restarts = 0
    /// Seconds in the Lanczos loops (dsaupd + solves).
    public var lanczosSeconds = 0.0
    /// Of which seconds in the triangular solves with the factor.
    public var solveSeconds = 0.0
    /// Of which seconds orthogonalizing new blocks against the Krylov basis (block method).
    public var orthogonalizationSeconds = 0.0
    /// Of which seconds in Rayleigh-Ritz steps and restart rotations of the basis (block method).
    public var restartSeconds = 0.0
    /// Seconds forming eigenvectors (dseupd + the Rayleigh-Ritz refinement on H).
    public var eigenvectorSeconds = 0.0
    /// Shifts moved off an eigenvalue: (requested, used).
    public var nudges: [(Double, Double)] = []
}

/// The Fermi level found by inertia: levels N/2 - 1 and N/2 and their midpoint
/// (CONVENTIONS.md §2).
public struct FermiLevel: Sendable, Equatable {
    /// xi_{N/2 - 1}, the highest doubly occupied level of the Fermi sea.
    public var highestOccupied: Double
    /// xi_{N/2}, the lowest empty level.
    public var lowestEmpty: Double
    /// E_F = (xi_{N/2-1} + xi_{N/2}) / 2.
    public var energy: Double { 0.5 * (highestOccupied + lowestEmpty) }
    /// True when xi_{N/2-1} and xi_{N/2} coincide (to 1e-10 ||H||): a partly filled shell.
    public var openShell: Bool

    public init(highestOccupied: Double, lowestEmpty: Double, openShell: Bool) {
        self.highestOccupied = highestOccupied
        self.lowestEmpty = lowestEmpty
        self.openShell = openShell
    }
}

/// The near-Fermi engine: eigenpairs of a sparse symmetric H near any energy, without the full
/// spectrum.
///
/// * Shift-invert: H - sigma I = P^T L D L^T P (MUMPS multifrontal or CHOLMOD simplicial LDL^T,
///   ``FactorizationBackend``; ordering analysed once and reused for every shift), then a block
///   Krylov-Schur (or ARPACK) Lanczos run on (H - sigma I)^-1, whose largest
///   eigenvalues 1/(xi - sigma) belong to the levels xi closest to sigma. The Ritz vectors are
///   then refined by a Rayleigh-Ritz projection of H itself, which gives eigenvalues accurate to
///   O(residual^2) and rotates (near-)degenerate clusters onto an orthonormal basis.
/// * Inertia: the number of levels below E is the number of negative pivots of D at sigma = E
///   (Sylvester's law), exact in exact arithmetic and independent of any Lanczos convergence.
/// * Certification: a window [a, b) is accepted only when the number of returned levels in it
///   equals count(b) - count(a); otherwise ``SolverError/incompleteWindow``.
/// * Slicing: windows holding more than ``ShiftInvertOptions/sliceCapacity`` levels are split
///   at inertia-measured energies into slices that each fit one Lanczos run.
///
/// Not thread-safe (factorization workspace, ARPACK's global state): use one instance per thread;
/// ARPACK runs are additionally serialised process-wide.
public final class ShiftInvertSolver {
    public let matrix: CSRMatrix
    public let options: ShiftInvertOptions
    public private(set) var statistics = ShiftInvertStatistics()
    /// The factorization behind the Krylov solves.
    private let ldl: any SparseLDL
    /// The factorization behind the inertia counts (the same object unless the backend is
    /// ``FactorizationBackend/auto`` on a small lattice).
    private let counter: any SparseLDL
    /// ||H||_inf: every eigenvalue lies in [-scale, scale] (Gershgorin).
    let scale: Double
    /// Inertia counts already measured: energy -> number of levels below it.
    var counts: [Double: Int] = [:]

    public init(_ h: CSRMatrix, options: ShiftInvertOptions = ShiftInvertOptions()) throws {
        guard options.sliceCapacity >= 1 else {
            throw SolverError.invalidArgument("the slice capacity must be at least 1, got \(options.sliceCapacity)")
        }
        matrix = h
        self.options = options
        scale = max(h.infinityNorm, Double.leastNormalMagnitude)
        if let b = options.blockSize, b < 1 { throw SolverError.invalidArgument("the block size must be at least 1, got \(b)") }
        let backends = options.factorization.resolved(sites: h.rowCount)
        ldl = try backends.solves.analyse(h)
        counter = backends.counts == backends.solves ? ldl : try backends.counts.analyse(h)
        try MemoryPlan.require(bytes: factorBytes + 16 * h.rowCount,
                               what: "the LDL^T factor of H (\(backends.solves.description), nnz(L) = \(ldl.factorNonzeros), ordering \(ldl.ordering))")
        statistics.factorization = backends.counts == backends.solves ? backends.solves.description
            : "\(backends.solves.description) for the solves, \(backends.counts.description) for inertia counts"
        statistics.blockSize = blockSize
        statistics.ordering = ldl.ordering
        statistics.orderingFill = ldl.orderingFill
        statistics.factorNonzeros = ldl.factorNonzeros
        statistics.analysisSeconds = factors.reduce(0) { $0 + $1.analysisSeconds }
    }

    /// The distinct factorizations in use: the solves' one, and the counts' one if different.
    private var factors: [any SparseLDL] { counter === ldl ? [ldl] : [ldl, counter] }

    /// Bytes the factorizations in use hold.
    private var factorBytes: Int { factors.reduce(0) { $0 + $1.factorBytes } }

    public var dimension: Int { matrix.rowCount }

    /// Vectors per block Krylov step and solve call.
    private var blockSize: Int { options.blockSize ?? ldl.preferredBlockSize }

    // MARK: Factorization and inertia

    /// Factors H - e I, moving e by a small, deterministic relative amount (1e-8 ||H||,
    /// growing tenfold per attempt) while a pivot of D is zero or tiny (|d| < 1e-10 ||H||),
    /// which means e sits (almost) on an eigenvalue: (H - e)^-1 would then amplify rounding
    /// errors by 1/|d| and stall the Krylov iteration. Returns the shift actually used.
    /// `f`: the factorization to use (default: the one behind the solves).
    @discardableResult
    private func factor(at e: Double, with f: (any SparseLDL)? = nil) throws -> Double {
        let f = f ?? ldl
        if f.sigma == e { return e }
        var shift = e
        for attempt in 0..<8 {
            let singular = try f.factorize(sigma: shift, tinyPivot: 1e-10 * scale)
            syncFactorStatistics()
            if !singular {
                if shift != e { statistics.nudges.append((e, shift)) }
                counts[shift] = f.negativePivots
                return shift
            }
            shift = e + scale * 1e-8 * Double(pow10(attempt))
        }
        throw SolverError.invalidArgument("H - sigma I stays singular for sigma near \(e) after 8 shifts up to \(shift - e); the spectrum is too dense there for an LDL^T shift (check the matrix)")
    }

    /// Factors H - e I for a Krylov run. Besides zero pivots, an LDL^T without pivoting can
    /// hide a shift that sits within rounding of an eigenvalue (no tiny d_j, but a huge
    /// ||(H - e)^-1||), which would stall the iteration on rounding noise. Two power steps
    /// estimate ||(H - e)^-1||; above 1e7 / ||H|| the shift moves by 1e-6 ||H|| (tenfold per
    /// attempt, deterministic, reported in the statistics).
    func krylovShift(at e: Double) throws -> Double {
        var shift = e
        let n = dimension
        var x = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
        for attempt in 0..<6 {
            let used = try factor(at: shift)
            var rng = SplitMix64(seed: 0x5348_4946, stream: 0)
            for i in 0..<n { x[i] = SplitMix64.unitDouble(rng.next()) - 0.5 }
            var growth = 0.0
            for _ in 0..<2 {
                let nx = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
                try x.withUnsafeBufferPointer { xp in try y.withUnsafeMutableBufferPointer { yp in try ldl.solve(xp.baseAddress!, into: yp.baseAddress!) } }
                growth = y.reduce(0) { $0 + $1 * $1 }.squareRoot() / nx
                swap(&x, &y)
            }
            if growth * scale <= 1e7 {
                if used != e && !statistics.nudges.contains(where: { $0.0 == e && $0.1 == used }) { statistics.nudges.append((e, used)) }
                return used
            }
            shift = e + scale * 1e-6 * Double(pow10(attempt))
        }
        throw SolverError.invalidArgument("(H - sigma I)^-1 stays nearly singular for sigma near \(e) after 6 shifts up to \(shift - e); the spectrum is too dense there for a shift-invert solve")
    }

    private func pow10(_ k: Int) -> Int { (0..<k).reduce(1) { r, _ in r * 10 } }

    private func syncFactorStatistics() {
        statistics.factorSeconds = factors.reduce(0) { $0 + $1.factorSeconds }
        statistics.factorizations = factors.reduce(0) { $0 + $1.factorizations }
    }

    /// The number of eigenvalues of H strictly below `e` (Sylvester's law of inertia on the
    /// LDL^T factor of H - e I), with the energy actually used (e, or e nudged off an eigenvalue).
    public func count(below e: Double) throws -> (count: Int, energy: Double) {
        guard e.isFinite else { throw SolverError.invalidArgument("inertia count needs a finite energy, got \(e)") }
        if e < -scale { return (0, e) }
        if e > scale { return (dimension, e) }
        if let c = counts[e] { return (c, e) }
        let used = try factor(at: e, with: counter)
        return (counts[used]!, used)
    }

    // MARK: One Lanczos run

    /// The `nev` eigenpairs closest to `sigma` (sigma already factored), refined on H, ascending.
    func lanczos(sigma: Double, nev: Int) throws -> Eigenpairs {
        let n = dimension
        let clock = ContinuousClock()
        var solveTime = Duration.zero
        let t0 = clock.now
        var values: [Double], vectors: [Double]
        switch options.lanczos.method {
        case .arpack:
            let r = try ARPACK.shiftInvert(dimension: n, nev: nev, sigma: sigma, options: options.lanczos) { x, y in
                let t = clock.now
                try ldl.solve(x, into: y)
                solveTime += clock.now - t
            }
            statistics.solves += r.operatorApplications
            statistics.restarts += r.restarts
            statistics.lanczosSeconds += r.lanczosSeconds
            statistics.eigenvectorSeconds += r.ritzSeconds
            values = r.values
            vectors = r.vectors
        case .block:
            // The iteration's column order (not wanted-end first): the refinement below sorts.
            let op = ShiftInvertedOperator(factor: ldl)
            var lanczosOptions = options.lanczos
            if lanczosOptions.progress == nil { lanczosOptions.progress = options.progress }
            let r = try BlockKrylovSchur.eigenpairs(of: op, count: nev, which: .largestMagnitude, options: lanczosOptions,
                                                    blockSize: blockSize, threads: BLASRuntime.threads, order: .iteration)
            solveTime += .seconds(op.solveSeconds)
            statistics.solves += r.applications
            statistics.restarts += r.restarts
            statistics.lanczosSeconds += (clock.now - t0).seconds
            statistics.orthogonalizationSeconds += r.phases.orthogonalization
            statistics.restartSeconds += r.phases.restart
            values = r.values.map { sigma + 1 / $0 }
            vectors = r.vectors
        }
        statistics.lanczosRuns += 1
        statistics.solveSeconds += solveTime.seconds
        let t1 = clock.now
        let refined: Eigenpairs
        if 16 * n * values.count <= options.rayleighRitzLimitBytes {
            refined = try rayleighRitz(vectors, count: values.count)
        } else {
            refined = rayleighQuotients(&vectors, count: values.count)
        }
        statistics.eigenvectorSeconds += (clock.now - t1).seconds
        return refined
    }

    /// Eigenvalues as Rayleigh quotients phi^T H phi of the (orthonormal) Ritz vectors, sorted
    /// ascending with their vectors: O(n) extra memory, for blocks too large for ``rayleighRitz``.
    private func rayleighQuotients(_ v: inout [Double], count p: Int) -> Eigenpairs {
        let n = dimension
        var hx = [Double](repeating: 0, count: n)
        var q = [Double](repeating: 0, count: p)
        v.withUnsafeBufferPointer { vp in
            hx.withUnsafeMutableBufferPointer { hp in
                for a in 0..<p {
                    let x = UnsafeBufferPointer(rebasing: vp[(a * n)..<((a + 1) * n)])
                    matrix.multiply(x, into: hp)
                    var s = 0.0
                    for i in 0..<n { s += x[i] * hp[i] }
                    q[a] = s
                }
            }
        }
        let order = (0..<p).sorted { q[$0] < q[$1] || (q[$0] == q[$1] && $0 < $1) }
        // Column c takes old column order[c], in place (a copy would add 8 n p bytes to the peak).
        v.permuteColumns(rows: n, source: order)
        let values = order.map { q[$0] }
        let vectors = v
        v = []
        return Eigenpairs(values: values, vectors: vectors, dimension: n)
    }

    /// Rayleigh-Ritz of H on span(V): G = V^T H V (BLAS-3), G = Q diag(theta) Q^T (LAPACK),
    /// V <- V Q. For converged Ritz vectors this returns eigenvalues with error O(residual^2)
    /// and an orthonormal basis of each (near-)degenerate cluster.
    private func rayleighRitz(_ v: [Double], count p: Int) throws -> Eigenpairs {
        let n = dimension
        guard p > 0 else { return Eigenpairs(values: [], vectors: [], dimension: n) }
        var hv = [Double](repeating: 0, count: n * p)
        v.withUnsafeBufferPointer { vp in
            hv.withUnsafeMutableBufferPointer { hp in
                for a in 0..<p {
                    matrix.multiply(UnsafeBufferPointer(rebasing: vp[(a * n)..<((a + 1) * n)]),
                                    into: UnsafeMutableBufferPointer(rebasing: hp[(a * n)..<((a + 1) * n)]))
                }
            }
        }
        var g = BLAS.transposeProduct(v, hv, rows: n, aColumns: p, bColumns: p)
        for b in 0..<p { for a in 0..<b { let s = 0.5 * (g[a + b * p] + g[b + a * p]); g[a + b * p] = s; g[b + a * p] = s } }
        let theta = try LAPACK.dsyevd(&g, n: p, vectors: true)
        var out = [Double](repeating: 0, count: n * p)
        v.withUnsafeBufferPointer { vp in
            g.withUnsafeBufferPointer { qp in
                out.withUnsafeMutableBufferPointer { op in
                    BLAS.multiply(vp.baseAddress!, qp.baseAddress!, into: op.baseAddress!, m: n, n: p, k: p)
                }
            }
        }
        return Eigenpairs(values: theta, vectors: out, dimension: n)
    }

    // MARK: Public solves

    /// The `k` eigenpairs closest to `sigma`, ascending. `certified` is true when inertia counts
    /// just outside the returned range prove that no level inside it was missed; `firstLevel`
    /// is then the global index of the lowest one.
    public func nearest(sigma: Double, count k: Int) throws -> (pairs: Eigenpairs, certified: Bool) {
        guard sigma.isFinite else { throw SolverError.invalidArgument("the shift sigma must be finite, got \(sigma)") }
        guard k > 0 else { throw SolverError.invalidArgument("\(.count) must be positive, got \(k)") }
        guard k < dimension else {
            throw SolverError.invalidArgument("asked for \(k) eigenpairs of a \(dimension)-site matrix; shift-invert needs count < sites, use \(.solver) dense")
        }
        try requireVectors(k)
        let used = try krylovShift(at: sigma)
        var pairs = try lanczos(sigma: used, nev: k)
        guard options.certifyNearest, let lo = pairs.values.first, let hi = pairs.values.last else { return (pairs, false) }
        let margin = 1e-9 * scale
        let a = try count(below: lo - margin), b = try count(below: hi + margin)
        let inside = pairs.values.filter { $0 >= a.energy && $0 < b.energy }.count
        let certified = inside == pairs.count && b.count - a.count == pairs.count
        if certified { pairs.firstLevel = a.count }
        return (pairs, certified)
    }

    /// Every eigenpair with energy in [lower, upper), ascending, certified by inertia:
    /// count(upper) - count(lower) levels are returned or ``SolverError/incompleteWindow`` is
    /// thrown. `firstLevel` is count(lower). Wide windows are sliced.
    public func window(_ lower: Double, _ upper: Double) throws -> Eigenpairs {
        var values = [Double](), vectors = [Double]()
        let (first, _) = try window(lower, upper, holdingAll: true) { part in
            values += part.values
            vectors += part.vectors
        }
        return Eigenpairs(values: values, vectors: vectors, dimension: dimension, firstLevel: first)
    }

    /// The same window handed out slice by slice: `sink` receives each solved slice (ascending,
    /// disjoint, each with its vectors and its first level) as soon as it is certified, and
    /// the dense vectors of a slice need not outlive the call. Returns count(lower) and the
    /// number of levels. `holdingAll`: the memory check counts the vectors of the whole window
    /// (the caller keeps them) or of one slice only.
    public func window(_ lower: Double, _ upper: Double, holdingAll: Bool,
                       slices sink: (Eigenpairs) throws -> Void) throws -> (firstLevel: Int, count: Int) {
        guard lower.isFinite, upper.isFinite, lower < upper else {
            throw SolverError.invalidArgument("energy window [\(lower), \(upper)) must be finite and non-empty")
        }
        let a = try count(below: lower), b = try count(below: upper)
        try requireVectors(holdingAll ? b.count - a.count : min(b.count - a.count, options.sliceCapacity))
        let slices = try plan(a.energy, a.count, b.energy, b.count)
        var found = 0
        var last = -Double.infinity
        for (k, s) in slices.enumerated() {
            defer { options.progress?.report("shift-invert slice", k + 1, slices.count) }
            var part = try solveSlice(s)
            // Slices are disjoint half-open intervals: nothing to deduplicate, only to check.
            if let first = part.values.first, first < last {
                throw SolverError.incompleteWindow(expected: b.count - a.count, found: found,
                                                   message: "slices returned overlapping levels (\(first) < \(last)); a bug in FermiGlass: please report it")
            }
            last = part.values.last ?? last
            part.firstLevel = s.lowerCount
            found += part.count
            try sink(part)
        }
        guard found == b.count - a.count else {
            throw SolverError.incompleteWindow(expected: b.count - a.count, found: found,
                                               message: "the window [\(a.energy), \(b.energy)) holds \(b.count - a.count) levels by inertia, but the slices returned \(found)")
        }
        return (a.count, found)
    }

    /// Levels `range` (0-based, ascending, half-open), certified. The window ends are found by
    /// inertia counts (bracketing search, ``levelWindow(_:)``), then solved with
    /// ``window(_:_:)``.
    public func levels(_ range: Range<Int>) throws -> Eigenpairs {
        let (a, b) = try levelWindow(range)
        let w = try window(a, b)
        let offset = range.lowerBound - w.firstLevel!
        return w.subset(offset..<(offset + range.count))
    }

    /// Energies [a, b) whose window holds levels `range` and a few more (inertia counts).
    public func levelWindow(_ range: Range<Int>) throws -> (Double, Double) {
        guard range.lowerBound >= 0, range.upperBound <= dimension, !range.isEmpty else {
            throw SolverError.emptySelection("level range \(range.lowerBound):\(range.upperBound) is empty or outside 0:\(dimension)")
        }
        // Slack: extra levels the window may hold beyond the range. Each costs Lanczos work,
        // while a tighter window costs inertia counts, cheap since they use MUMPS
        // (docs/benchmarks/engine.md: slack 16 -> 4 saved 10-20% at 200 x 200 and 500 x 500).
        let slack = max(4, min(options.sliceCapacity / 4, range.count / 4))
        let a = try energy(atCount: range.lowerBound, slack: slack, fromBelow: true)
        let b = try energy(atCount: range.upperBound, slack: slack, fromBelow: false)
        return (a, b)
    }

    /// The Fermi level of a sea filling levels 0 ..< fermiIndex: levels fermiIndex - 1 and
    /// fermiIndex from a certified two-level window found by inertia bisection.
    public func fermiLevel(fermiIndex: Int) throws -> FermiLevel {
        guard fermiIndex > 0, fermiIndex < dimension else {
            throw SolverError.invalidArgument("the Fermi index N/2 = \(fermiIndex) must lie in 1..<\(dimension)")
        }
        let w = try levels((fermiIndex - 1)..<(fermiIndex + 1))
        return FermiLevel(highestOccupied: w.values[0], lowestEmpty: w.values[1],
                          openShell: w.values[1] - w.values[0] <= 1e-10 * scale)
    }

    /// Refuses, before allocating, a plan whose eigenvectors would not fit.
    private func requireVectors(_ count: Int) throws {
        let n = dimension
        let ncv = options.lanczos.ncv(nev: min(count, options.sliceCapacity) + 8, dimension: n)
        try MemoryPlan.require(bytes: factorBytes + 8 * n * (count + 2 * ncv + 8),
                               what: "\(count) eigenvectors of \(n) sites, the LDL^T factor (\(MemoryPlan.format(ldl.factorBytes))) and a Lanczos basis of \(ncv) vectors")
    }
}
