import FermiGlassModel

/// Which eigensolver to use.
public enum SolverChoice: String, CaseIterable, Sendable {
    /// LAPACK on the dense matrix: every state, O(N^3).
    case dense
    /// CHOLMOD LDL^T of (H - sigma) + ARPACK shift-invert: only the states near sigma.
    case shiftInvert = "shift-invert"
    /// Dense below the measured crossover size, shift-invert above.
    case auto
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
            guard k > 0, k <= n else { throw SolverError.invalidArgument("--count must be in 1...\(n), got \(k)") }
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

/// A request for eigenpairs: the single seam between commands and solvers, so that every
/// observable can run on the dense or the sparse path.
public struct EigenRequest: Sendable {
    public var solver: SolverChoice
    public var selection: StateSelection
    public var vectors: Bool
    /// Shift-invert parameters (Lanczos basis, tolerance, restarts, seed, slicing).
    public var engine: ShiftInvertOptions

    public init(solver: SolverChoice = .dense, selection: StateSelection = .all, vectors: Bool = true,
                engine: ShiftInvertOptions = ShiftInvertOptions()) {
        self.solver = solver
        self.selection = selection
        self.vectors = vectors
        self.engine = engine
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
    public var pairs: Eigenpairs
    public var diagnostics: SolveDiagnostics
    /// The Fermi level, for `.fermiWindow` selections.
    public var fermiLevel: FermiLevel?
}

/// Entry point for every command that needs eigenpairs.
public enum Eigensolver {
    /// `--solver auto` uses the dense path up to this many sites and shift-invert above.
    /// Measured (docs/benchmarks/engine.md, `fermiglass bench crossover`): for the window
    /// levels:100 on paper lattices the two paths take equal time at 30 x 30 (900 sites), and
    /// shift-invert is 3.5x faster at 40 x 40, 10x at 50 x 50.
    public static let autoCrossover = 1000

    /// The solver `auto` resolves to for `n` sites and `selection`.
    public static func resolve(_ choice: SolverChoice, sites n: Int, selection: StateSelection) -> SolverChoice {
        guard choice == .auto else { return choice }
        if selection == .all { return .dense }
        return n <= autoCrossover ? .dense : .shiftInvert
    }

    /// Solves `request` for the symmetric matrix `h`, with residual and orthogonality checks.
    public static func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        if let cached = try EigenCache.shared.solve(h, request) { return cached }
        let clock = ContinuousClock()
        let start = clock.now
        var solution: EigenSolution
        switch resolve(request.solver, sites: h.rowCount, selection: request.selection) {
        case .dense, .auto:
            solution = try solveDense(h, request)
        case .shiftInvert:
            solution = try solveShiftInvert(h, request)
        }
        let t = clock.now
        if solution.pairs.hasVectors {
            solution.diagnostics.maxResidual = solution.pairs.maxResidual(of: h)
            solution.diagnostics.maxOrthogonalityError = solution.pairs.maxOrthogonalityError()
            solution.diagnostics.timings.append(("checks", (clock.now - t).seconds))
            if !request.vectors { solution.pairs.vectors = [] }
        }
        solution.diagnostics.timings.append(("total", (clock.now - start).seconds))
        return solution
    }

    /// The dense path: LAPACK, complete and exact to rounding for every selection.
    private static func solveDense(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
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

    /// The sparse path: CHOLMOD LDL^T + ARPACK shift-invert, inertia-certified.
    private static func solveShiftInvert(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        let n = h.rowCount
        let engine = try ShiftInvertSolver(h, options: request.engine)
        var fermi: FermiLevel?
        var certified = true
        let pairs: Eigenpairs
        switch request.selection {
        case .all:
            throw SolverError.invalidArgument("shift-invert computes states near an energy, not the whole spectrum; give --sigma/--count or --window, or use --solver dense")
        case .levels(let r):
            pairs = try engine.levels(r)
        case .energies(let e):
            pairs = try engine.window(e.lowerBound, e.upperBound.nextUp)
        case .nearest(let sigma, let k):
            let r = try engine.nearest(sigma: sigma, count: k)
            pairs = r.pairs
            certified = r.certified
        case .fermiWindow(let f, let window):
            switch window {
            case .levels(let k):
                guard f - k >= 0, f + k <= n else {
                    throw SolverError.emptySelection("window levels:\(k) needs levels \(f - k)..<\(f + k), outside the spectrum 0..<\(n)")
                }
                // The window holds levels N/2-1 and N/2: the Fermi level comes with it.
                pairs = try engine.levels((f - k)..<(f + k))
                fermi = FermiLevel(highestOccupied: pairs.values[k - 1], lowestEmpty: pairs.values[k],
                                   openShell: pairs.values[k] - pairs.values[k - 1] <= 1e-10 * h.infinityNorm)
            case .energy(let dE):
                let level = try engine.fermiLevel(fermiIndex: f)
                fermi = level
                pairs = try engine.window(level.energy - dE, (level.energy + dE).nextUp)
            }
        }
        let s = engine.statistics
        let krylov = request.engine.lanczos.method == .arpack ? "ARPACK dsaupd mode 3" : "block Krylov-Schur"
        var d = SolveDiagnostics(method: "shift-invert (\(s.factorization) + \(krylov))")
        d.certified = certified
        d.timings = [("analysis", s.analysisSeconds), ("factorization", s.factorSeconds),
                     ("lanczos", s.lanczosSeconds), ("lanczos_solves", s.solveSeconds),
                     ("lanczos_orthogonalization", s.orthogonalizationSeconds), ("lanczos_restarts", s.restartSeconds),
                     ("eigenvectors", s.eigenvectorSeconds)]
        d.counters = [("factor_nonzeros", s.factorNonzeros), ("factorizations", s.factorizations),
                      ("lanczos_runs", s.lanczosRuns), ("solves", s.solves), ("restarts", s.restarts),
                      ("shift_nudges", s.nudges.count), ("block_size", s.blockSize)]
        d.notes = [("ordering", s.ordering),
                   ("ordering_fill", s.orderingFill.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))]
        if !s.nudges.isEmpty {
            d.notes.append(("nudged_shifts", s.nudges.map { "\($0.0) -> \($0.1)" }.joined(separator: ", ")))
        }
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
