import FermiGlassModel

/// One pass of the patch solver as independent units of work: everything a worker needs to
/// solve patch p, so that `record(patch:model:algebra:)` is a function of (plan, p) alone
/// (the model is named by its fingerprint; a worker in another process rebuilds it from the
/// study's parameters, seed and realization, or the disorder file, and checks the
/// fingerprint). Records are combined by the caller in patch-index order after the pass, so
/// the result does not depend on which worker or rank finished first.
public struct PatchPlan: Codable, Sendable, Equatable {
    /// ``DisorderedModel/patchFingerprint``: the lattice, hoppings and every on-site energy.
    public var modelFingerprint: UInt64
    public var lattice: Lattice
    public var interior: Int
    public var halo: Int
    /// The pass (1: the layout of the pilot; 3, 4, ...: halo doubled while states are missing).
    public var pass: Int
    /// The energies every patch solves, [lower, upper], the window plus the margin (units of t1).
    public var lower: Double
    public var upper: Double
    /// Discarded weight allowed per stored state (``LocalEigenstates`` compression).
    public var budget: Double
    public var tieTolerance: Double
    public var denseLimit: Int
    /// Expected states per site per t1 in the window (the global inertia count over the whole
    /// lattice's window): sizes each patch's slices and Krylov runs (``PatchWindowSolve``);
    /// 0 when unknown.
    public var density: Double = 0
    /// The Krylov settings of the patch solves (not coded: a worker uses the defaults of the
    /// study that built the plan; they change no kept state beyond the Krylov tolerance).
    public var engine = ShiftInvertOptions()

    enum CodingKeys: String, CodingKey {
        case modelFingerprint, lattice, interior, halo, pass, lower, upper, budget, tieTolerance, denseLimit, density
    }

    public init(modelFingerprint: UInt64, layout: PatchLayout, pass: Int, lower: Double, upper: Double, budget: Double,
                tieTolerance: Double, denseLimit: Int, density: Double = 0, engine: ShiftInvertOptions = ShiftInvertOptions()) {
        self.modelFingerprint = modelFingerprint
        lattice = layout.lattice
        interior = layout.interior
        halo = layout.halo
        self.pass = pass
        self.lower = lower
        self.upper = upper
        self.budget = budget
        self.tieTolerance = tieTolerance
        self.denseLimit = denseLimit
        self.density = density
        self.engine = engine
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelFingerprint = try c.decode(UInt64.self, forKey: .modelFingerprint)
        lattice = try c.decode(Lattice.self, forKey: .lattice)
        interior = try c.decode(Int.self, forKey: .interior)
        halo = try c.decode(Int.self, forKey: .halo)
        pass = try c.decode(Int.self, forKey: .pass)
        lower = try c.decode(Double.self, forKey: .lower)
        upper = try c.decode(Double.self, forKey: .upper)
        budget = try c.decode(Double.self, forKey: .budget)
        tieTolerance = try c.decode(Double.self, forKey: .tieTolerance)
        denseLimit = try c.decode(Int.self, forKey: .denseLimit)
        density = try c.decodeIfPresent(Double.self, forKey: .density) ?? 0
    }

    public static func == (a: PatchPlan, b: PatchPlan) -> Bool {
        (a.modelFingerprint, a.lattice, a.interior, a.halo, a.pass) == (b.modelFingerprint, b.lattice, b.interior, b.halo, b.pass)
            && (a.lower.bitPattern, a.upper.bitPattern, a.budget.bitPattern, a.tieTolerance.bitPattern, a.denseLimit)
            == (b.lower.bitPattern, b.upper.bitPattern, b.budget.bitPattern, b.tieTolerance.bitPattern, b.denseLimit)
            && a.density.bitPattern == b.density.bitPattern
    }

    /// Version of the per-patch solve in the digest: records of an older solve (three
    /// factorizations per slice, other Krylov sizes) are not taken by a resumed run.
    static let solveVersion: UInt64 = 2

    /// The layout of the pass.
    public var layout: PatchLayout { try! PatchLayout(lattice: lattice, interior: interior, halo: halo) }

    /// A 64-bit digest of the coded fields (checkpoint records name the plan they belong to).
    public var digest: UInt64 {
        var d = FNV64()
        for v in [modelFingerprint, UInt64(lattice.lx), UInt64(lattice.ly), UInt64(lattice.boundaryX == .open ? 1 : 0),
                  UInt64(lattice.boundaryY == .open ? 1 : 0), UInt64(interior), UInt64(halo), UInt64(pass),
                  lower.bitPattern, upper.bitPattern, budget.bitPattern, tieTolerance.bitPattern, UInt64(denseLimit),
                  density.bitPattern, Self.solveVersion] { d.add(v) }
        return d.value
    }

    /// Patch `p` solved: its states in [lower, upper] whose maximum its interior owns (or
    /// within the tie tolerance of it), compressed, with Rayleigh quotient and residual on the
    /// whole lattice's H (`algebra`: scratch space over that H, the result does not depend on
    /// its contents).
    public func record(patch p: Int, model: DisorderedModel, algebra: inout LocalAlgebra) throws -> PatchRecord {
        guard model.patchFingerprint == modelFingerprint else {
            throw SolverError.invalidArgument("patch plan for model \(modelFingerprint) given model \(model.patchFingerprint)")
        }
        let layout = self.layout
        let clock = ContinuousClock(), t = clock.now
        let (states, dense, s) = try PatchRun.keptStates(model: model, region: layout.patchRegion(p), lower, upper, denseLimit: denseLimit,
                                                         density: density, engine: engine, tieTolerance: tieTolerance, budget: budget,
                                                         algebra: &algebra, patchIndex: p, pass: pass) { layout.owner(of: $0) == p }
        return PatchRecord(plan: digest, patch: p, pass: pass, dense: dense, seconds: (clock.now - t).seconds, states: states,
                           factorizations: s.factorizations, factorSeconds: s.factorSeconds, krylovSeconds: s.krylovSeconds)
    }
}

/// What one patch of a pass produced (``PatchPlan/record(patch:model:algebra:)``).
public struct PatchRecord: Codable, Sendable {
    /// ``PatchPlan/digest`` of the plan it belongs to.
    public var plan: UInt64
    public var patch: Int
    public var pass: Int
    /// Solved by dense LAPACK (else shift-invert).
    public var dense: Bool
    /// Wall seconds of the solve (not part of the numbers).
    public var seconds: Double
    public var states: [PatchState]
    /// The solve's profile (not part of the numbers; nil in records of older runs): LDL^T
    /// factorizations of the patch, and wall seconds factoring and in Krylov runs.
    public var factorizations: Int?
    public var factorSeconds: Double?
    public var krylovSeconds: Double?
}

/// 64-bit FNV-1a over 64-bit words (digests of plans, models and checkpoint records).
struct FNV64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ word: UInt64) {
        var w = word
        for _ in 0..<8 { value = (value ^ (w & 0xff)) &* 0x0000_0100_0000_01b3; w >>= 8 }
    }
}

extension DisorderedModel {
    /// A 64-bit digest of the lattice, the hoppings, mu and every on-site energy (bit patterns):
    /// two models with the same fingerprint have the same H.
    public var patchFingerprint: UInt64 {
        var d = FNV64()
        d.add(UInt64(lattice.lx)); d.add(UInt64(lattice.ly))
        d.add(UInt64(lattice.boundaryX == .open ? 1 : 0)); d.add(UInt64(lattice.boundaryY == .open ? 1 : 0))
        d.add(parameters.t1.bitPattern); d.add(parameters.t2.bitPattern); d.add(parameters.mu.bitPattern)
        for e in onsiteEnergies { d.add(e.bitPattern) }
        return d.value
    }
}
