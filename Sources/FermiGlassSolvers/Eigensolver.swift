import FermiGlassModel

/// Which eigensolver to use.
public enum SolverChoice: String, CaseIterable, Sendable {
    /// LAPACK on the dense matrix: every state, O(N^3).
    case dense
    /// CHOLMOD LDL^T of (H - sigma) + ARPACK shift-invert: only the states near sigma.
    case shiftInvert = "shift-invert"
    /// Dense below the measured crossover size, shift-invert above.
    case auto
    /// Localized patches (``PatchBackend``): every state of a window in O(volume), certified
    /// by inertia counts of the whole lattice. Needs ``EigenRequest/model``.
    case patches
}

/// A window of levels around the Fermi energy (CONVENTIONS.md §2 "Energy window").
public enum FermiWindow: Sendable, Equatable, CustomStringConvertible {
    /// `levels:K`: levels N/2-K ..< N/2+K (K occupied and K empty levels of the Fermi sea).
    case levels(Int)
    /// `energy:D`: every level with |xi - E_F| <= D.
    case energy(Double)

    /// Parses `levels:K` or `energy:D`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "levels":
            guard let k = Int(parts[1]), k > 0 else { return nil }
            self = .levels(k)
        case "energy":
            guard let d = Double(parts[1]), d.isFinite, d >= 0 else { return nil }
            self = .energy(d)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .levels(let k): return "levels:\(k)"
        case .energy(let d): return "energy:\(d)"
        }
    }
}

/// Which states a computation needs.
public enum StateSelection: Sendable, Equatable {
    /// Every state.
    case all
    /// Levels `range` of the ascending spectrum (0-based, half-open).
    case levels(Range<Int>)
    /// Every state with energy in the closed interval.
    case energies(ClosedRange<Double>)
    /// The `count` states closest to `sigma`.
    case nearest(sigma: Double, count: Int)
    /// A window around the Fermi energy of the sea filling levels 0 ..< fermiIndex (= N/2);
    /// the solution also reports the Fermi level.
    case fermiWindow(fermiIndex: Int, window: FermiWindow)
}

extension FermiWindow {
    /// The window's levels as global indices 0-based, half-open, for an ascending spectrum
    /// `values` holding levels 0 ..< values.count of the `levelCount` levels of H0 (default:
    /// all of them), and the Fermi index f = N/2. E_F = (xi_{f-1} + xi_f) / 2;
    /// `levels:K` is f-K ..< f+K, `energy:D` every level with E_F - D <= xi <= E_F + D
    /// (CONVENTIONS.md §2). The one definition of a window used by every path (dense, cache,
    /// ground state, sweeps); the sparse path obtains the same set by inertia counts.
    public func levelRange(values: [Double], fermiIndex f: Int, levelCount: Int? = nil) throws -> Range<Int> {
        let total = levelCount ?? values.count
        guard f >= 1, f < values.count else {
            throw SolverError.invalidArgument("the Fermi index N/2 = \(f) needs levels \(f - 1) and \(f) of the \(values.count) computed levels")
        }
        switch self {
        case .levels(let k):
            guard f - k >= 0, f + k <= total else {
                throw SolverError.emptySelection("window levels:\(k) needs levels \(f - k)..<\(f + k), outside the spectrum 0..<\(total)")
            }
            return (f - k)..<(f + k)
        case .energy(let dE):
            let ef = 0.5 * (values[f - 1] + values[f])
            let lo = values.firstIndex { $0 >= ef - dE } ?? values.count
            let hi = values.lastIndex { $0 <= ef + dE }.map { $0 + 1 } ?? lo
            guard hi < values.count || values.count == total else {
                throw SolverError.emptySelection("window energy:\(dE) reaches past the \(values.count) computed levels")
            }
            return lo..<max(lo, hi)
        }
    }
}

extension StateSelection {
    /// The selected levels as an index range of a complete ascending spectrum `values`, and,
    /// for `.fermiWindow`, the Fermi level (open shell when xi_{N/2} - xi_{N/2-1} <=
    /// `openShellTolerance`). `.nearest` is the contiguous run of the k levels closest to sigma.
    /// Shared by the dense path, the eigen cache and the commands that select from a full solve.
    public func levelRange(in values: [Double], openShellTolerance: Double) throws -> (range: Range<Int>, fermiLevel: FermiLevel?) {
        let n = values.count
        switch self {
        case .all:
            return (0..<n, nil)
        case .levels(let r):
            guard r.lowerBound >= 0, r.upperBound <= n, !r.isEmpty else {
                throw SolverError.emptySelection("level range \(r.lowerBound):\(r.upperBound) is empty or outside 0:\(n)")
            }
            return (r, nil)
        case .energies(let e):
            let lo = values.firstIndex { $0 >= e.lowerBound } ?? n
            let hi = values.lastIndex { $0 <= e.upperBound }.map { $0 + 1 } ?? lo
            guard hi > lo else { throw SolverError.emptySelection("the energy window [\(e.lowerBound), \(e.upperBound)] holds no state") }
            return (lo..<hi, nil)
        case .nearest(let sigma, let k):
            guard k > 0, k <= n else { throw SolverError.invalidArgument("\(.count) must be in 1...\(n), got \(k)") }
            guard sigma.isFinite else { throw SolverError.invalidArgument("the shift sigma must be finite, got \(sigma)") }
            // The k values nearest sigma are a contiguous run of the sorted spectrum.
            var lo = 0
            while lo + k < n, abs(values[lo + k] - sigma) < abs(values[lo] - sigma) { lo += 1 }
            return (lo..<(lo + k), nil)
        case .fermiWindow(let f, let window):
            guard f > 0, f < n else { throw SolverError.invalidArgument("the Fermi index N/2 = \(f) must lie in 1..<\(n)") }
            let level = FermiLevel(highestOccupied: values[f - 1], lowestEmpty: values[f],
                                   openShell: values[f] - values[f - 1] <= openShellTolerance)
            return (try window.levelRange(values: values, fermiIndex: f), level)
        }
    }
}

/// How a solve hands back its eigenvectors.
public enum EigenstateStorage: Sendable, Equatable {
    /// Dense columns (``Eigenpairs/vectors``).
    case dense
    /// Compressed local states on `lattice` (``LocalEigenstates``), each keeping at most
    /// `maxDiscardedWeight` of |phi|^2 outside its rectangle. The shift-invert backend
    /// compresses every slice as soon as it is solved, so dense vectors of the whole window
    /// never exist at once; the dense backend compresses its result.
    case local(lattice: Lattice, maxDiscardedWeight: Double)
}

/// A request for eigenpairs: the single seam between commands and solvers, so that every
/// observable can run on the dense or the sparse path.
public struct EigenRequest: Sendable {
    public var solver: SolverChoice
    public var selection: StateSelection
    public var vectors: Bool
    /// Shift-invert parameters (Lanczos basis, tolerance, restarts, seed, slicing).
    public var engine: ShiftInvertOptions
    /// Dense columns or compressed local states (only with `vectors`).
    public var storage: EigenstateStorage
    /// A cache of complete dense solutions to serve this request from (nil: solve it).
    public var cache: EigenCache?
    /// The model behind the matrix, for backends that need its geometry and disorder (the
    /// patch solver builds region Hamiltonians from it).
    public var model: DisorderedModel?
    /// Settings of the patch solver.
    public var patches: PatchOptions
    /// Where the patch solver's passes solve their patches (nil: in this process, in index
    /// order). The Studies layer supplies `--jobs` worker processes and MPI ranks.
    public var patchExecutor: (any PatchExecutor)? = nil

    public init(solver: SolverChoice = .dense, selection: StateSelection = .all, vectors: Bool = true,
                engine: ShiftInvertOptions = ShiftInvertOptions(), storage: EigenstateStorage = .dense,
                cache: EigenCache? = nil, model: DisorderedModel? = nil, patches: PatchOptions = PatchOptions()) {
        self.solver = solver
        self.model = model
        self.patches = patches
        self.selection = selection
        self.vectors = vectors
        self.engine = engine
        self.storage = storage
        self.cache = cache
    }
}

/// Checks and costs of one solve, reported in summary.json.
public struct SolveDiagnostics: Sendable {
    /// The solver that actually ran ("dense (LAPACK dsyevd)", ...).
    public var method: String
    /// max_a ||H phi_a - xi_a phi_a|| (NaN without vectors).
    public var maxResidual: Double = .nan
    /// max |phi_a . phi_b - delta_ab| (NaN without vectors).
    public var maxOrthogonalityError: Double = .nan
    /// True when an inertia count (or the dense path) proves the selection complete.
    public var certified: Bool = false
    /// Named wall-clock timings in seconds, in the order the phases ran.
    public var timings: [(String, Double)] = []
    /// Named integer counters (factor nonzeros, solves, restarts, ...).
    public var counters: [(String, Int)] = []
    /// Named text facts (ordering used, ...).
    public var notes: [(String, String)] = []

    public init(method: String) { self.method = method }
}

/// The result of an ``EigenRequest``.
public struct EigenSolution: Sendable {
    /// Eigenvalues, first level, and the dense eigenvectors (empty when none were asked for or
    /// when they were stored compressed in ``local``).
    public var pairs: Eigenpairs
    public var diagnostics: SolveDiagnostics
    /// The Fermi level, for `.fermiWindow` selections.
    public var fermiLevel: FermiLevel?
    /// The states as compressed local states, for requests with `.local` storage.
    public var local: LocalEigenstates?
    /// What the patch solver did: layout, passes, per-state error bounds, certificate (nil for
    /// the other backends).
    public var patches: PatchReport?

    public init(pairs: Eigenpairs, diagnostics: SolveDiagnostics, fermiLevel: FermiLevel? = nil, local: LocalEigenstates? = nil) {
        self.pairs = pairs
        self.diagnostics = diagnostics
        self.fermiLevel = fermiLevel
        self.local = local
    }

    /// The returned states, as stored.
    public var states: any EigenstateStore { local ?? pairs }
}

/// One way of computing eigenpairs of a sparse symmetric H0: each backend a type behind this
/// protocol (dense LAPACK, shift-invert Krylov, and, for huge lattices, localized patches), so
/// that ``Eigensolver/solve(_:_:)`` and every study run unchanged on any of them.
public protocol EigensolverBackend: Sendable {
    /// A short name for the summaries ("dense", "shift-invert", ...).
    var name: String { get }
    /// Solves `request` for `h`: eigenvalues, vectors as `request.storage` asks, the Fermi level
    /// for `.fermiWindow`, and `certified` when the selection is proven complete. The residual
    /// and orthogonality checks are added by ``Eigensolver/solve(_:_:backend:)``.
    func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution
}

/// Entry point for every command that needs eigenpairs.
public enum Eigensolver {
    /// `--solver auto` uses the dense path up to this many sites and shift-invert (or the
    /// patches) above: the eigenpairs row of ``AutoSolverTable``.
    public static var autoCrossover: Int { AutoSolverTable.row(.eigenpairs).denseUpToSites }

    /// The solver `auto` resolves to for `n` sites and `selection` (eigenpairs pipeline).
    public static func resolve(_ choice: SolverChoice, sites n: Int, selection: StateSelection) -> SolverChoice {
        guard choice == .auto else { return choice }
        return AutoSolverTable.choice(.eigenpairs, sites: n, selection: selection)
    }

    /// The solver `auto` resolves to for `request` on `n` sites (eigenpairs pipeline): the
    /// localized patches when the request carries its model and ``PatchCostModel`` estimates
    /// them faster for its window, else the size rule of ``AutoSolverTable``.
    public static func resolve(_ request: EigenRequest, sites n: Int) -> SolverChoice {
        guard request.solver == .auto else { return request.solver }
        return AutoSolverTable.choice(.eigenpairs, sites: n, selection: request.selection, request: request)
    }

    /// The backend `choice` stands for, for `n` sites and `selection` (`auto` resolved).
    public static func backend(_ choice: SolverChoice, sites n: Int, selection: StateSelection) -> any EigensolverBackend {
        switch resolve(choice, sites: n, selection: selection) {
        case .dense, .auto: return DenseBackend()
        case .shiftInvert: return ShiftInvertBackend()
        case .patches: return PatchBackend()
        }
    }

    /// Solves `request` for the symmetric matrix `h` on the backend of `request.solver`, with
    /// residual and orthogonality checks.
    public static func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        try solve(h, request, backend: backend(resolve(request, sites: h.rowCount), sites: h.rowCount, selection: request.selection))
    }

    /// Solves `request` on a given backend (served from `request.cache` when it holds the
    /// matrix), then checks every returned state: residual ||H phi - xi phi|| and orthogonality,
    /// on the states as stored.
    public static func solve(_ h: CSRMatrix, _ request: EigenRequest, backend: some EigensolverBackend) throws -> EigenSolution {
        if let cache = request.cache, let cached = try cache.solve(h, request) { return try stored(cached, request) }
        let clock = ContinuousClock()
        let start = clock.now
        var solution = try stored(backend.solve(h, request), request)
        let t = clock.now
        if request.vectors {
            let states = solution.states
            // A backend that already checked its states on H (the patch solver's certificate)
            // reports the numbers itself; they are not computed twice.
            if solution.diagnostics.maxResidual.isNaN { solution.diagnostics.maxResidual = states.maxResidual(of: h) }
            if solution.diagnostics.maxOrthogonalityError.isNaN { solution.diagnostics.maxOrthogonalityError = states.maxOrthogonalityError() }
            solution.diagnostics.timings.append(("checks", (clock.now - t).seconds))
            if let local = solution.local {
                solution.diagnostics.counters += [("stored_bytes", local.bytes), ("dense_bytes", local.denseBytes)]
                solution.diagnostics.notes.append(("max_discarded_weight", "\(local.maxDiscardedWeight)"))
            }
        }
        solution.diagnostics.timings.append(("total", (clock.now - start).seconds))
        return solution
    }

    /// Applies the storage of `request` to a solution that still holds dense columns (the dense
    /// backend and the cache), and drops vectors that were not asked for.
    static func stored(_ solution: EigenSolution, _ request: EigenRequest) throws -> EigenSolution {
        var s = solution
        if !request.vectors { s.pairs.vectors = []; return s }
        if case .local(let lattice, let w) = request.storage, s.local == nil {
            s.local = try LocalEigenstates(compressing: s.pairs, lattice: lattice, maxDiscardedWeight: w)
            s.pairs.vectors = []
        }
        return s
    }
}

/// The dense reference path: LAPACK, complete and exact to rounding for every selection.
public struct DenseBackend: EigensolverBackend {
    public init() {}
    public var name: String { "dense" }

    public func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        let clock = ContinuousClock()
        let start = clock.now
        let n = h.rowCount
        var fermi: FermiLevel?
        let pairs: Eigenpairs
        switch request.selection {
        case .all:
            pairs = try DenseEigensolver.solve(h, selection: .all, vectors: request.vectors)
        case .levels(let r):
            pairs = try DenseEigensolver.solve(h, selection: .levels(r), vectors: request.vectors)
        case .energies(let e):
            pairs = try DenseEigensolver.solve(h, selection: .energies(e), vectors: request.vectors)
        case .nearest:
            let values = try DenseEigensolver.solve(h, selection: .all, vectors: false).values
            let range = try request.selection.levelRange(in: values, openShellTolerance: 0).range
            pairs = try DenseEigensolver.solve(h, selection: .levels(range), vectors: request.vectors)
        case .fermiWindow(let f, let window):
            guard f > 0, f < n else { throw SolverError.invalidArgument("the Fermi index N/2 = \(f) must lie in 1..<\(n)") }
            let all = try DenseEigensolver.solve(h, selection: .all, vectors: request.vectors)
            let picked = try StateSelection.fermiWindow(fermiIndex: f, window: window)
                .levelRange(in: all.values, openShellTolerance: 1e-10 * h.infinityNorm)
            fermi = picked.fermiLevel
            pairs = all.subset(picked.range)
        }
        var d = SolveDiagnostics(method: request.selection == .all ? "dense (LAPACK dsyevd)" : "dense (LAPACK dsyevd/dsyevr)")
        d.timings.append(("solve", (clock.now - start).seconds))
        d.certified = true
        return EigenSolution(pairs: pairs, diagnostics: d, fermiLevel: fermi)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
