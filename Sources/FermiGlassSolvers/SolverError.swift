import FermiGlassModel
/// Everything that can go wrong in the solver layer, with messages a user can act on. Every
/// LAPACK, CHOLMOD, MUMPS and ARPACK status code maps to one of these cases in the wrapper file
/// that owns that library (`LAPACK.swift`, `CHOLMOD.swift`, `MUMPS.swift`, `ARPACK.swift`).
public enum SolverError: Error, Equatable, ParameterAdvising {
    /// A LAPACK routine returned `info != 0`.
    case lapack(routine: String, info: Int, message: Message)
    /// CHOLMOD reported an error or warning status.
    case cholmod(status: Int, message: Message)
    /// MUMPS reported an error (INFOG(1) < 0).
    case mumps(status: Int, message: Message)
    /// ARPACK returned an error `info` code.
    case arpack(routine: String, info: Int, message: Message)
    /// ARPACK stopped before all requested eigenpairs converged.
    case noConvergence(converged: Int, requested: Int, message: Message)
    /// The requested selection (window, index range) holds no state.
    case emptySelection(Message)
    /// An argument is outside what the method can do.
    case invalidArgument(Message)
    /// The plan would need more memory than the machine has.
    case insufficientMemory(required: Int, available: Int, message: Message)
    /// The inertia count and the returned eigenpairs disagree: the window is not complete.
    case incompleteWindow(expected: Int, found: Int, message: Message)

    public var description: String { message.description }

    /// The message; advice names ``Parameter``s (the CLI renders them as its options).
    public var message: Message {
        switch self {
        case .lapack(let r, let info, let m): return "\(r) failed (info = \(info)): \(m)"
        case .cholmod(let s, let m): return "CHOLMOD status \(s): \(m)"
        case .mumps(_, let m): return m
        case .arpack(let r, let info, let m): return "\(r) failed (info = \(info)): \(m)"
        case .noConvergence(_, _, let m): return m
        case .emptySelection(let m), .invalidArgument(let m): return m
        case .insufficientMemory(_, _, let m): return m
        case .incompleteWindow(_, _, let m): return m
        }
    }
}

extension SolverError {
    /// The exit code of CONVENTIONS.md §4 for a run that stops on this error: 3 (did not
    /// converge), 4 (not certified), 1 otherwise (a front end maps an empty selection, a
    /// property of the input, to 64 apart).
    public var exitCode: Int32 {
        switch self {
        case .noConvergence: return 3
        case .incompleteWindow: return 4
        default: return 1
        }
    }
}
