import FermiGlassModel

/// Settings of the localized-patch window solver (``PatchBackend``), CONVENTIONS.md §5.
public struct PatchOptions: Sendable, Equatable {
    /// tol: every returned state must have ||H phi - E phi|| <= tol ||H||_inf on the whole
    /// lattice, phi as stored (`--residual-tol`).
    public var residualTolerance: Double
    /// tol': the returned states must satisfy |<phi_a|phi_b> - delta_ab| <= tol'. nil: 10 tol
    /// ||H||_inf / t1, the overlap that two states with residuals tol ||H||_inf may have at an
    /// energy separation of 0.2 t1 ((E_a - E_b) <phi_a|phi_b> = <phi_a|r_b> - <r_a|phi_b>);
    /// about 2e-4 at the default tol on the paper model.
    public var orthogonalityTolerance: Double?
    /// Halo width in sites (nil: chosen by the pilot patch, see ``PatchBackend``).
    public var halo: Int?
    /// Interior side in sites (nil: twice the halo, at least 8).
    public var interior: Int?
    /// Patches of at most this many sites are solved dense (LAPACK dsyevr on the window),
    /// larger ones by shift-invert (CHOLMOD/MUMPS LDL^T + block Krylov-Schur). Measured
    /// (docs/benchmarks/patches.md): equal at ~580 sites, shift-invert 9x faster at 1600,
    /// dense 2x faster at 256.
    public var denseLimit: Int
    /// A state whose largest |phi|^2 on the patch interior is within this relative amount of
    /// its largest |phi|^2 anywhere is also kept (a near tie between two sites that another
    /// patch may resolve the other way); the copies are then recognised by overlap.
    public var tieTolerance: Double
    /// Re-solve states above tolerance on larger patches centred on them (second pass), and
    /// when the inertia count says states are missing, run the patches again with the halo
    /// doubled (third pass). Test hook: false leaves the first pass as found, so that a
    /// too-thin layout is not certified.
    public var repair: Bool
    /// Directory of the checkpoint (``PatchCheckpoint``): every finished patch is appended and
    /// fsync'd there, and a run given the same directory takes the patches already finished
    /// for the same model, window and layout instead of solving them again (nil: none).
    public var checkpoint: String?
    /// Test hook: stop with an error after this many patches have been solved (not read back
    /// from the checkpoint) in this process, as a killed run would.
    public var stopAfterPatches: Int?
    /// Test hook: the process kills itself (SIGKILL, no cleanup) after this many patches have
    /// been solved and checkpointed in this process: a real kill at a known point.
    public var killAfterPatches: Int?
    /// Test hook: remove the state with this index (ascending energy) before the certificate.
    public var dropState: Int?
    /// Test hook: return the state with this index twice.
    public var duplicateState: Int?

    public init(residualTolerance: Double = 1e-6, orthogonalityTolerance: Double? = nil, halo: Int? = nil,
                interior: Int? = nil, denseLimit: Int = 500, tieTolerance: Double = 1e-3, repair: Bool = true,
                dropState: Int? = nil, duplicateState: Int? = nil, checkpoint: String? = nil) {
        self.residualTolerance = residualTolerance
        self.orthogonalityTolerance = orthogonalityTolerance
        self.halo = halo
        self.interior = interior
        self.denseLimit = denseLimit
        self.tieTolerance = tieTolerance
        self.repair = repair
        self.dropState = dropState
        self.duplicateState = duplicateState
        self.checkpoint = checkpoint
    }

    /// Throws on settings no solve can use.
    public func validate() throws {
        guard residualTolerance > 0, residualTolerance < 1, residualTolerance.isFinite else {
            throw SolverError.invalidArgument("the residual tolerance (relative to ||H||_inf) must lie in (0, 1), got \(residualTolerance)")
        }
        if let t = orthogonalityTolerance, !(t > 0 && t < 1) {
            throw SolverError.invalidArgument("the orthogonality tolerance must lie in (0, 1), got \(t)")
        }
        if let h = halo, h < 0 { throw SolverError.invalidArgument("the patch halo must be >= 0 sites, got \(h)") }
        if let s = interior, s < 1 { throw SolverError.invalidArgument("the patch interior must be >= 1 site, got \(s)") }
        if let c = checkpoint, c.isEmpty { throw SolverError.invalidArgument("the patch checkpoint directory must not be empty") }
    }
}

/// Certificate of a window returned by the patch solver (CONVENTIONS.md §5): (a) the number of
/// states equals count(upper) - count(lower) by inertia on the whole lattice, (b) every residual
/// is within tol ||H||_inf, (c) the states are orthonormal to tol', (d) no state lies within its
/// error bound of a window edge.
public struct PatchCertificate: Sendable, Equatable {
    /// count(upper) - count(lower) (Sylvester inertia of the whole lattice).
    public var expected: Int
    /// States returned.
    public var found: Int
    /// tol ||H||_inf, absolute (units of t1).
    public var residualTolerance: Double
    public var maxResidual: Double
    /// States (indices into the returned window) above the residual tolerance.
    public var aboveTolerance: [Int]
    public var orthogonalityTolerance: Double
    public var maxOrthogonalityError: Double
    /// States within their error bound of a window edge.
    public var atEdges: [Int]
    /// Why the window is not certified (empty when it is).
    public var reasons: [String]

    public var certified: Bool { reasons.isEmpty }
}

/// What the patch solver did, for summary.json and the per-state table.
public struct PatchReport: Sendable {
    /// The layout of the main pass (nil when the global engine ran instead).
    public var layout: PatchLayout?
    /// Why the global engine ran instead of patches (nil: it did not).
    public var fallback: String?
    /// Halos tried by the pilot patch and the 90th percentile of the residuals (relative to
    /// ||H||_inf) of the states it kept at each.
    public var pilot: [(halo: Int, maxResidual: Double)] = []
    /// Energy margin added to the window on every patch (units of t1).
    public var margin: Double = 0
    /// The window [lower, upper) whose inertia counts certify the result.
    public var window: (lower: Double, upper: Double) = (0, 0)
    /// Passes in order: name, patch solves, states kept after the pass.
    public var passes: [(name: String, solves: Int, states: Int)] = []
    /// Per returned state: error bound of the eigenvalue (residual, or Kato-Temple
    /// residual^2 / gap when the gap is known from the certified set), residual, the patch that
    /// found it (-1: a re-solve or Rayleigh-Ritz rotation), the pass that produced it.
    public var bounds: [Double] = []
    public var residuals: [Double] = []
    public var patchOfState: [Int] = []
    public var passOfState: [Int] = []
    /// Duplicates removed by overlap, clusters rotated by Rayleigh-Ritz, states re-solved.
    public var duplicatesRemoved = 0
    public var rayleighRitzClusters = 0
    public var resolved = 0
    /// Patches read back from the checkpoint instead of solved (a resumed run).
    public var resumedPatches = 0
    /// The memory the plan was checked against before pass 1 (bytes; 0: not checked).
    public var plannedBytes = 0
    public var certificate: PatchCertificate?

    public init() {}
}
