import Foundation
import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies

/// Eigensolver options shared by every command that needs eigenpairs: which solver, which
/// states (all, the `count` nearest `sigma`, or a window around E_F, CONVENTIONS.md §2), and
/// the shift-invert parameters. ``request(fermiIndex:vectors:)`` turns them into the one
/// ``EigenRequest`` the command passes to ``Eigensolver/solve(_:_:)``.
struct SolverOptions: ParsableArguments {
    @Option(help: "Eigensolver: dense (LAPACK, every state), shift-invert (sparse LDL^T + Lanczos on (H - sigma)^-1, states near an energy), patches (spectrum and ground-state --window: every state of the window from localized patches, O(volume), certified by global inertia counts) or auto (one measured table per pipeline, AutoSolverTable: dense up to \(Eigensolver.autoCrossover) sites for eigenpairs and \(AutoSolverTable.row(.groundState).denseUpToSites) for ground-state, above that shift-invert, or patches where their cost model says they are faster). Default: auto for spectrum, dense for the other commands.")
    var solver: SolverChoice?

    @Option(help: "--solver patches: every returned state must have ||H phi - E phi|| <= this x ||H||_inf on the whole lattice (phi as stored); states above it are re-solved on larger patches.")
    var residualTol: Double = 1e-6

    @Option(help: "--solver patches: halo width in sites (default: chosen by a pilot patch for --residual-tol).")
    var patchHalo: Int?

    @Option(help: "--solver patches: interior side in sites (default: twice the halo).")
    var patchInterior: Int?

    @Option(help: "--solver patches: patches of at most this many sites are solved dense (LAPACK), larger ones by shift-invert.")
    var patchDenseLimit: Int = PatchOptions().denseLimit

    @Option(help: "--solver patches: directory where every finished patch is saved (append-only, fsync'd); a killed run given the same directory resumes without solving them again.")
    var patchCheckpoint: String?

    @Option(parsing: .unconditional, help: "Shift-invert: compute the --count states closest to this energy (units of t1); a negative value as --sigma -1.2 or --sigma=-1.2.")
    var sigma: Double?

    @Option(help: "Number of states closest to --sigma.")
    var count: Int?

    @Option(help: "States around the Fermi energy: levels:K (levels N/2-K..<N/2+K) or energy:D (|xi - E_F| <= D). Needs a filling.")
    var window: String?

    @Option(help: "Krylov basis size ncv per solve (default 2k+16 for block, 1.5k+16 when that basis would pass 2 GB; max(2k+1, k+20) for arpack).")
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
    var krylov: KrylovMethod = .block

    @Option(help: "Shift-invert factorization of H - sigma: auto (default: MUMPS for inertia counts, CHOLMOD for the solves up to \(FactorizationBackend.autoSolveCrossover) sites, MUMPS above), mumps (multifrontal LDL^T, BLAS-3) or cholmod (simplicial LDL^T).")
    var factorization: FactorizationBackend = .standard

    @Option(help: "Vectors per block Krylov step and per solve (default 8).")
    var blockSize: Int?

    func validate() throws {
        if let b = blockSize, b < 1 { throw ValidationError("--block-size must be positive, got \(b)") }
        guard residualTol > 0, residualTol < 1 else { throw ValidationError("--residual-tol must lie in (0, 1), got \(residualTol)") }
        if let h = patchHalo, h < 0 { throw ValidationError("--patch-halo must be >= 0, got \(h)") }
        if let s = patchInterior, s < 1 { throw ValidationError("--patch-interior must be >= 1, got \(s)") }
        guard patchDenseLimit >= 0 else { throw ValidationError("--patch-dense-limit must be >= 0, got \(patchDenseLimit)") }

        if let s = sigma, !s.isFinite { throw ValidationError("--sigma must be a finite energy, got \(s)") }
        if let k = count, k <= 0 { throw ValidationError("--count must be positive, got \(k)") }
        if (sigma == nil) != (count == nil) { throw ValidationError("give --sigma and --count together") }
        if sigma != nil && window != nil { throw ValidationError("give either --sigma/--count or --window, not both") }
        if let w = window, FermiWindow(w) == nil {
            throw ValidationError("--window must be levels:K (K > 0) or energy:D (D >= 0), got '\(w)'")
        }
        if let n = ncv, n < 2 { throw ValidationError("--ncv must be at least 2, got \(n)") }
        guard tol >= 0, tol.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tol)") }
        guard maxRestarts > 0 else { throw ValidationError("--max-restarts must be positive, got \(maxRestarts)") }
        guard sliceCapacity > 0 else { throw ValidationError("--slice-capacity must be positive, got \(sliceCapacity)") }
    }

    /// The request for a lattice whose Fermi sea fills levels 0 ..< fermiIndex (nil: no filling),
    /// ``EigenRequest/init(solver:sigma:count:window:fermiIndex:vectors:engine:cache:patches:)``.
    /// Without --sigma/--count/--window the selection is the whole spectrum.
    func request(fermiIndex: Int?, vectors: Bool) throws -> EigenRequest {
        var patches = patchOptions
        patches.checkpoint = patchCheckpoint
        // Test hook (checkpoint tests): a real kill after this many patches.
        patches.killAfterPatches = ProcessInfo.processInfo.environment["FERMIGLASS_TEST_KILL_AFTER_PATCHES"].flatMap { Int($0) }
        do {
            return try EigenRequest(solver: choice(default: .auto), sigma: sigma, count: count, window: window.flatMap(FermiWindow.init),
                                    fermiIndex: fermiIndex, vectors: vectors, engine: engineOptions, cache: RunContext.eigenCache,
                                    patches: patches)
        } catch let e as SolverError { throw ValidationError(commandLineMessage(e)) }
    }

    /// --residual-tol, --patch-halo, --patch-interior, --patch-dense-limit.
    var patchOptions: PatchOptions {
        PatchOptions(residualTolerance: residualTol, halo: patchHalo, interior: patchInterior, denseLimit: patchDenseLimit)
    }

    /// Refuses --solver patches where it is not wired yet (everything but `spectrum --window`).
    func refusePatches(_ command: String) throws {
        if solver == .patches {
            throw ValidationError("--solver patches is available for spectrum --window so far, not for \(command); use --solver shift-invert")
        }
    }

    /// --solver, or `fallback` when it is not given.
    func choice(default fallback: SolverChoice) -> SolverChoice {
        solver ?? fallback
    }

    /// The shift-invert parameters (Lanczos basis, tolerance, restarts, seed, slicing).
    var engineOptions: ShiftInvertOptions {
        var o = ShiftInvertOptions(lanczos: LanczosOptions(basisSize: ncv, tolerance: tol, maxRestarts: maxRestarts, seed: lanczosSeed,
                                                   method: krylov),
                           sliceCapacity: sliceCapacity, factorization: factorization,
                           blockSize: blockSize)
        // Reported through the running command's progress (none before it starts, none with --quiet).
        o.progress = PhaseProgress.hook
        return o
    }


    /// The request of a command whose states come from --states/--energies (`selection`):
    /// --window/--sigma are refused (the selection says which states), the solver defaults to
    /// dense (``EigenRequest/init(solver:fixed:vectors:sites:needsAll:engine:cache:)``).
    func request(selection: StateSelection, vectors: Bool, sites: Int, needsAll: Message) throws -> EigenRequest {
        if window != nil || sigma != nil {
            throw ValidationError("this command selects states with --states a:b or --energies a:b, not --window/--sigma")
        }
        do {
            return try EigenRequest(solver: choice(default: .dense), fixed: selection, vectors: vectors, sites: sites, needsAll: needsAll,
                                    engine: engineOptions, cache: RunContext.eigenCache)
        } catch let e as SolverError { throw ValidationError(commandLineMessage(e)) }
    }
}

extension SolverChoice: @retroactive ExpressibleByArgument {}
extension KrylovMethod: @retroactive ExpressibleByArgument {}
extension FactorizationBackend: @retroactive ExpressibleByArgument {}

extension FactorizationBackend {
    /// The backend named by a --factorization value, or the validation error naming the choices.
    package static func parse(option text: String) throws -> FactorizationBackend {
        guard let backend = FactorizationBackend(rawValue: text) else {
            throw ValidationError("--factorization must be auto, mumps or cholmod, got '\(text)'")
        }
        return backend
    }
}
