import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers

/// Eigensolver options shared by every command that needs eigenpairs: which solver, which
/// states (all, the `count` nearest `sigma`, or a window around E_F, CONVENTIONS.md §2), and
/// the shift-invert parameters. ``request(fermiIndex:vectors:)`` turns them into the one
/// ``EigenRequest`` the command passes to ``Eigensolver/solve(_:_:)``.
struct SolverOptions: ParsableArguments {
    @Option(help: "Eigensolver: dense (LAPACK, every state), shift-invert (CHOLMOD LDL^T + ARPACK, states near an energy) or auto (dense up to \(Eigensolver.autoCrossover) sites).")
    var solver: String = "auto"

    @Option(help: "Shift-invert: compute the --count states closest to this energy (units of t1).")
    var sigma: Double?

    @Option(help: "Number of states closest to --sigma.")
    var count: Int?

    @Option(help: "States around the Fermi energy: levels:K (levels N/2-K..<N/2+K) or energy:D (|xi - E_F| <= D). Needs a filling.")
    var window: String?

    @Option(help: "Krylov basis size ncv per solve (default 2k+16 for block, max(2k+1, k+20) for arpack).")
    var ncv: Int?

    @Option(help: "Relative residual tolerance on the shift-inverted Ritz values (default 0: 1e-13 for block, machine precision for arpack).")
    var tol: Double = 0

    @Option(help: "Maximum Lanczos restarts per solve.")
    var maxRestarts: Int = 1000

    @Option(help: "Most states per shift-invert solve; wider windows are sliced (by inertia counts).")
    var sliceCapacity: Int = 160

    @Option(help: "Seed of the Lanczos starting vector (same seed, same numbers).")
    var lanczosSeed: UInt64 = 1

    @Option(help: "Krylov method on (H - sigma)^-1: block (block Krylov-Schur, BLAS-3, default) or arpack (ARPACK dsaupd mode 3).")
    var krylov: String = "block"

    func validate() throws {
        guard SolverChoice(rawValue: solver) != nil else {
            throw ValidationError("--solver must be dense, shift-invert or auto, got '\(solver)'")
        }
        if let s = sigma, !s.isFinite { throw ValidationError("--sigma must be a finite energy, got \(s)") }
        if let k = count, k <= 0 { throw ValidationError("--count must be positive, got \(k)") }
        if (sigma == nil) != (count == nil) { throw ValidationError("give --sigma and --count together") }
        if sigma != nil && window != nil { throw ValidationError("give either --sigma/--count or --window, not both") }
        if let w = window, FermiWindow(w) == nil {
            throw ValidationError("--window must be levels:K (K > 0) or energy:D (D >= 0), got '\(w)'")
        }
        guard KrylovMethod(rawValue: krylov) != nil else { throw ValidationError("--krylov must be block or arpack, got '\(krylov)'") }
        if let n = ncv, n < 2 { throw ValidationError("--ncv must be at least 2, got \(n)") }
        guard tol >= 0, tol.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tol)") }
        guard maxRestarts > 0 else { throw ValidationError("--max-restarts must be positive, got \(maxRestarts)") }
        guard sliceCapacity > 0 else { throw ValidationError("--slice-capacity must be positive, got \(sliceCapacity)") }
    }

    /// The request for a lattice whose Fermi sea fills levels 0 ..< fermiIndex (nil: no filling).
    /// Without --sigma/--count/--window the selection is the whole spectrum.
    func request(fermiIndex: Int?, vectors: Bool) throws -> EigenRequest {
        let choice = SolverChoice(rawValue: solver)!
        var selection = StateSelection.all
        if let s = sigma, let k = count {
            selection = .nearest(sigma: s, count: k)
        } else if let text = window, let w = FermiWindow(text) {
            guard let f = fermiIndex else {
                throw ValidationError("--window \(text) is relative to the Fermi energy: give --particles N or --filling n")
            }
            selection = .fermiWindow(fermiIndex: f, window: w)
        } else if let f = fermiIndex, choice == .shiftInvert {
            selection = .fermiWindow(fermiIndex: f, window: .levels(1))
        }
        if choice == .shiftInvert && selection == .all {
            throw ValidationError("--solver shift-invert needs --sigma E --count k, or --window levels:K|energy:D with a filling")
        }
        let lanczos = LanczosOptions(basisSize: ncv, tolerance: tol, maxRestarts: maxRestarts, seed: lanczosSeed,
                                     method: KrylovMethod(rawValue: krylov)!)
        return EigenRequest(solver: choice, selection: selection, vectors: vectors,
                            engine: ShiftInvertOptions(lanczos: lanczos, sliceCapacity: sliceCapacity))
    }

    /// The solver checks of one solve as summary.json entries: max_residual,
    /// max_orthogonality_error, certified, the method, timings and counters.
    static func checks(_ d: SolveDiagnostics) -> [(String, JSON)] {
        var out: [(String, JSON)] = [("method", .string(d.method))]
        if !d.maxResidual.isNaN { out.append(("max_residual", .number(d.maxResidual))) }
        if !d.maxOrthogonalityError.isNaN { out.append(("max_orthogonality_error", .number(d.maxOrthogonalityError))) }
        out.append(("certified", .bool(d.certified)))
        out.append(("timings_seconds", .object(d.timings.map { ($0.0, .number($0.1)) })))
        if !d.counters.isEmpty { out += d.counters.map { ($0.0, .int($0.1)) } }
        if !d.notes.isEmpty { out += d.notes.map { ($0.0, .string($0.1)) } }
        return out
    }
}
