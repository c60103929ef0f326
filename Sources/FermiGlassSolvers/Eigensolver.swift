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

/// Which states a computation needs.
public enum StateSelection: Sendable, Equatable {
    /// Every state.
    case all
    /// Levels `range` of the ascending spectrum (0-based, half-open).
    case levels(Range<Int>)
    /// Every state with energy in the closed interval.
    case energies(ClosedRange<Double>)
}

/// A request for eigenpairs: the single seam between commands and solvers, so that every
/// observable can run on the dense or the sparse path.
public struct EigenRequest: Sendable {
    public var solver: SolverChoice
    public var selection: StateSelection
    public var vectors: Bool

    public init(solver: SolverChoice = .dense, selection: StateSelection = .all, vectors: Bool = true) {
        self.solver = solver
        self.selection = selection
        self.vectors = vectors
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
}

/// Entry point for every command that needs eigenpairs.
public enum Eigensolver {
    /// Solves `request` for the symmetric matrix `h`, with residual and orthogonality checks.
    public static func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        let clock = ContinuousClock()
        let start = clock.now
        let selection: DenseEigensolver.Selection
        switch request.selection {
        case .all: selection = .all
        case .levels(let r): selection = .levels(r)
        case .energies(let e): selection = .energies(e)
        }
        switch request.solver {
        case .dense, .auto, .shiftInvert:
            // The shift-invert engine plugs in here (issue 3); until then every request is dense.
            let pairs = try DenseEigensolver.solve(h, selection: selection, vectors: request.vectors)
            var d = SolveDiagnostics(method: request.selection == .all ? "dense (LAPACK dsyevd)" : "dense (LAPACK dsyevr)")
            d.timings.append(("solve", (clock.now - start).seconds))
            d.certified = true
            if request.vectors {
                d.maxResidual = pairs.maxResidual(of: h)
                d.maxOrthogonalityError = pairs.maxOrthogonalityError()
            }
            return EigenSolution(pairs: pairs, diagnostics: d)
        }
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
