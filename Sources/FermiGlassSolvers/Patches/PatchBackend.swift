import FermiGlassModel
#if canImport(Glibc)
import Glibc
#endif

/// The localized-patch window solver (`--solver patches`, CONVENTIONS.md §5): every eigenstate
/// of H0 in an energy window, in O(volume) work and memory, for lattices where the window holds
/// far too many states for a global Krylov run.
///
/// An eigenstate localized within L_loc of its maximum is, up to its weight near the cut
/// bonds, an eigenstate of any open sub-lattice (patch) that holds it with a halo of a few
/// decay lengths: cutting the bonds of a patch changes H phi by the amplitudes on the patch
/// edge, so a patch state with maximum at distance d from the edge has residual ~ exp(-d / xi)
/// on the whole lattice. The solver
///
/// 1. finds E_F and the window [lower, upper) by Sylvester inertia counts of LDL^T factors of
///    the whole lattice (``ShiftInvertSolver``), and counts its levels:
///    count(upper) - count(lower);
/// 2. picks the halo with a pilot patch at the lattice centre: halos 8, 12, 18, ... (x1.5)
///    until 90% of the states it keeps have residual <= tol / 2 on the whole lattice. When the halo
///    needed exceeds a third of the shorter side (weak disorder: W = 0, W = 6 at 200 x 200),
///    patches cannot pay and the global engine solves the window instead (said in the notes);
/// 3. tiles the lattice into interiors of side 2 x halo (``PatchLayout``) and solves every patch
///    (interior + halo) in [lower - margin, upper + margin], dense up to
///    ``PatchOptions/denseLimit`` sites, shift-invert above; a patch keeps the states whose
///    largest |phi|^2 lies in its interior (or within the tie tolerance of it), compressed to
///    the smallest rectangle outside which they have at most the storage's discarded weight,
///    with energy = the Rayleigh quotient and residual on the whole lattice's H;
/// 4. removes copies of one state found by two patches (overlap > 1/2), re-solves every state
///    above tol on a larger patch centred on its maximum (pass 2), and rotates near-degenerate
///    states from different patches whose overlap exceeds tol' / 10 together by Rayleigh-Ritz
///    on their span; when the inertia count says states are still missing, runs every patch
///    again with the halo doubled (pass 3, 4, ...) and merges;
/// 5. certifies (``PatchCertificate``): the count, the residuals, the orthogonality, the edges.
///
/// Deterministic: records are combined only after a pass has every patch, in patch-index
/// order, whether the patches were solved here in index order or by a ``PatchExecutor``
/// (`--jobs` workers, MPI ranks) in any order.
public struct PatchBackend: EigensolverBackend {
    public init() {}
    public var name: String { "patches" }

    public func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        guard let model = request.model else {
            throw SolverError.invalidArgument("the patch solver needs the lattice and disorder behind H (EigenRequest.model)")
        }
        guard model.lattice.siteCount == h.rowCount else {
            throw SolverError.invalidArgument("the model has \(model.lattice.siteCount) sites but H has \(h.rowCount) rows")
        }
        try request.patches.validate()
        var run = try PatchRun(h: h, model: model, request: request)
        return try run.solve()
    }
}

/// One solve of the patch backend: the state shared by its phases.
struct PatchRun {
    let h: CSRMatrix
    let model: DisorderedModel
    let lattice: Lattice
    let request: EigenRequest
    let options: PatchOptions
    /// ||H||_inf.
    let scale: Double
    /// tol ||H||_inf.
    let tolerance: Double
    /// tol', absolute (see ``PatchOptions/orthogonalityTolerance``).
    let orthogonalityTolerance: Double
    /// Discarded weight allowed per stored state.
    let budget: Double
    let engine: ShiftInvertSolver
    var algebra: LocalAlgebra
    var report = PatchReport()
    var diagnostics = SolveDiagnostics(method: "patches")
    var denseSolves = 0
    var sparseSolves = 0
    /// Finished patches on disk (``PatchOptions/checkpoint``).
    let checkpoint: PatchCheckpoint?
    /// Patches solved in this process (the ``PatchOptions/stopAfterPatches`` hook).
    var solvedHere = 0
    let fingerprint: UInt64
    /// States per site per t1 in the window, from the global count (sizes the patch slices).
    var density = 0.0
    /// The patch solves' profile: factorizations, wall seconds factoring and in Krylov runs.
    var patchProfile = PatchWindowSolve.Statistics()
    /// Max residual and orthogonality error of a level cut of the window (nil: no cut).
    var subsetChecks: (Double, Double)?
    let clock = ContinuousClock()

    init(h: CSRMatrix, model: DisorderedModel, request: EigenRequest) throws {
        self.h = h
        self.model = model
        lattice = model.lattice
        self.request = request
        options = request.patches
        scale = max(h.infinityNorm, Double.leastNormalMagnitude)
        tolerance = options.residualTolerance * scale
        orthogonalityTolerance = min(0.5, options.orthogonalityTolerance ?? 10 * tolerance)
        if case .local(_, let w) = request.storage { budget = w } else { budget = 0 }
        var global = request.engine
        // Counts and the Fermi level only: one MUMPS analysis serves both.
        if global.factorization == .auto { global.factorization = .mumps }
        engine = try ShiftInvertSolver(h, options: global)
        algebra = LocalAlgebra(h: h, lattice: model.lattice)
        report.margin = Self.margin(tolerance: tolerance, scale: scale)
        fingerprint = model.patchFingerprint
        checkpoint = try options.checkpoint.map { try PatchCheckpoint(directory: $0, lattice: model.lattice) }
    }

    mutating func solve() throws -> EigenSolution {
        var t = clock.now
        // 1. The window and its inertia counts on the whole lattice.
        var fermi: FermiLevel?
        var cut: Range<Int>?
        var lower: Double, upper: Double
        switch request.selection {
        case .energies(let e):
            (lower, upper) = (e.lowerBound, e.upperBound.nextUp)
        case .levels(let r):
            (lower, upper) = try engine.levelWindow(r)
            cut = r
        case .fermiWindow(let f, .energy(let d)):
            let level = try engine.fermiLevel(fermiIndex: f)
            fermi = level
            (lower, upper) = (level.energy - d, (level.energy + d).nextUp)
        case .fermiWindow(let f, .levels(let k)):
            guard f - k >= 0, f + k <= h.rowCount else {
                throw SolverError.emptySelection("window levels:\(k) needs levels \(f - k)..<\(f + k), outside the spectrum 0..<\(h.rowCount)")
            }
            cut = (f - k)..<(f + k)
            (lower, upper) = try engine.levelWindow(cut!)
        case .all, .nearest:
            throw SolverError.invalidArgument("the patch solver computes the states of an energy window (\(.window), \(.energies), levels a:b), not \(request.selection == .all ? "the whole spectrum" : "the states nearest a shift"); use \(.solver) shift-invert or dense")
        }
        let a = try engine.count(below: lower), b = try engine.count(below: upper)
        (lower, upper) = (a.energy, b.energy)
        report.window = (lower, upper)
        var expected = b.count - a.count
        var first = a.count
        density = Double(max(expected, 1)) / (Double(lattice.siteCount) * max(upper - lower, 1e-12 * scale))
        diagnostics.timings.append(("global_counts", (clock.now - t).seconds))

        // 2. The halo, or the global engine.
        t = clock.now
        let layout: PatchLayout
        var key = FNV64()
        for w in [fingerprint, lower.bitPattern, upper.bitPattern, options.residualTolerance.bitPattern, UInt64(options.interior ?? 0)] { key.add(w) }
        if let halo = options.halo {
            layout = try PatchLayout(lattice: lattice, interior: options.interior ?? defaultInterior(halo: halo), halo: halo)
        } else if let saved = checkpoint?.savedLayout(key: key.value) {
            layout = try PatchLayout(lattice: lattice, interior: saved.interior, halo: saved.halo)
            diagnostics.notes.append(("pilot", "layout read back from the checkpoint (interior \(saved.interior), halo \(saved.halo))"))
        } else if let chosen = try pilot(lower, upper) {
            layout = chosen
            try checkpoint?.saveLayout(key: key.value, interior: chosen.interior, halo: chosen.halo)
        } else {
            return try fallback(reason: "the halo needed for residual tol = \(options.residualTolerance) ||H||_inf exceeds a third of the shorter side (\(min(lattice.lx, lattice.ly)) / 3): states too extended for patches; the global shift-invert engine solved the window")
        }
        if 3 * layout.halo > min(lattice.lx, lattice.ly) {
            return try fallback(reason: "the halo \(layout.halo) exceeds a third of the shorter side \(min(lattice.lx, lattice.ly)); the global shift-invert engine solved the window")
        }
        report.layout = layout
        diagnostics.timings.append(("pilot", (clock.now - t).seconds))
        try checkMemory(layout, expected: expected)

        // 3. Pass 1 over every patch, in index order; 4. copies, re-solves, Rayleigh-Ritz.
        var pool = try settle(pass(layout, number: 1, lower, upper), layout: layout)
        var states = pool.filter { $0.value >= lower && $0.value < upper }
        // Pass 3 (and on): states missing by the inertia count (a patch version whose maximum
        // or energy moved out of reach) are found by the whole pass again with the halo
        // doubled, merged with the states already found (copies removed by overlap).
        var extra = layout, number = 3
        while options.repair && states.count < expected && 3 * (2 * extra.halo) <= min(lattice.lx, lattice.ly) {
            extra = try PatchLayout(lattice: lattice, interior: extra.interior, halo: max(2 * extra.halo, extra.halo + 2))
            pool = try settle(pool + pass(extra, number: number, lower, upper), layout: extra)
            states = pool.filter { $0.value >= lower && $0.value < upper }
            number += 1
        }

        // The window, ascending (ties by site of the maximum, then patch: deterministic).
        states.sort { ($0.value, $0.maxSite, $0.patch) < ($1.value, $1.maxSite, $1.patch) }
        // A level window's edges come from a bisection of counts and may sit within a state's
        // error of a level: then they move to the middle of the gaps just outside the levels
        // asked for and are counted again (the counts at the final edges, CONVENTIONS.md §5).
        if let r = cut, states.count == expected,
           states.contains(where: { $0.value - lower <= $0.residual || upper - $0.value <= $0.residual }) {
            let offset = r.lowerBound - first, end = offset + r.count
            if offset >= 1, end + 1 <= states.count {
                t = clock.now
                let lo = 0.5 * (states[offset - 1].value + states[offset].value), hi = 0.5 * (states[end - 1].value + states[end].value)
                let a2 = try engine.count(below: lo), b2 = try engine.count(below: hi)
                (lower, upper) = (a2.energy, b2.energy)
                report.window = (lower, upper)
                states = states.filter { $0.value >= lower && $0.value < upper }
                expected = b2.count - a2.count
                first = a2.count
                diagnostics.notes.append(("window_edges", "moved into the gaps around levels \(r.lowerBound)..<\(r.upperBound) and counted again"))
                time("global_counts", since: t)
            }
        }
        if let k = options.dropState, states.indices.contains(k) { states.remove(at: k) }
        if let k = options.duplicateState, states.indices.contains(k) { states.insert(states[k], at: k + 1) }

        // 5. Certificate, then the levels asked for.
        t = clock.now
        var store = LocalEigenstates(lattice: lattice, firstLevel: first)
        for s in states { store.append(value: s.value, region: s.region, amplitudes: s.amplitudes, discardedWeight: s.discarded) }
        certify(states, store: store, expected: expected)
        diagnostics.timings.append(("certificate", (clock.now - t).seconds))
        if let r = cut {
            let offset = r.lowerBound - first
            guard offset >= 0, offset + r.count <= store.count else {
                throw SolverError.incompleteWindow(expected: r.count, found: store.count,
                                                   message: "the patches returned \(store.count) states in [\(lower), \(upper)) (inertia: \(expected)), which do not hold levels \(r.lowerBound)..<\(r.upperBound)")
            }
            store = store.subset(offset..<(offset + r.count))
            // The checks on the states returned (a subset of the certified window).
            let kept = Array(states[offset..<(offset + r.count)])
            subsetChecks = (kept.map(\.residual).max() ?? 0, maxOrthogonalityError(kept))
            report.bounds = Array(report.bounds[offset..<(offset + r.count)])
            report.residuals = Array(report.residuals[offset..<(offset + r.count)])
            report.patchOfState = Array(report.patchOfState[offset..<(offset + r.count)])
            report.passOfState = Array(report.passOfState[offset..<(offset + r.count)])
            if case .fermiWindow(_, .levels(let k)) = request.selection {
                fermi = FermiLevel(highestOccupied: store.values[k - 1], lowestEmpty: store.values[k],
                                   openShell: store.values[k] - store.values[k - 1] <= 1e-10 * scale)
            }
        }
        return finish(store, fermi: fermi)
    }

    /// Pass `number` over every patch of `layout`, in index order: the states each keeps in
    /// the window plus the margin, combined in patch-index order after the pass.
    mutating func pass(_ layout: PatchLayout, number: Int, _ lower: Double, _ upper: Double) throws -> [PatchState] {
        let t = clock.now
        var o = request.engine
        o.progress = nil
        let plan = PatchPlan(modelFingerprint: fingerprint, layout: layout, pass: number, lower: lower - report.margin,
                             upper: upper + report.margin, budget: budget, tieTolerance: options.tieTolerance,
                             denseLimit: options.denseLimit, density: density, engine: o)
        var records = [PatchRecord?](repeating: nil, count: layout.count)
        let phase = number == 1 ? "patches" : "patches (pass \(number), halo \(layout.halo))"
        if let executor = request.patchExecutor {
            try passOnExecutor(executor, plan: plan, records: &records, phase: phase)
        } else {
            for p in 0..<layout.count {
                if let r = checkpoint?.record(plan: plan, patch: p) {
                    records[p] = r
                    report.resumedPatches += 1
                } else {
                    let r = try plan.record(patch: p, model: model, algebra: &algebra)
                    try finished(r)
                    records[p] = r
                }
                request.engine.progress?.report(phase, p + 1, layout.count)
            }
        }
        // Combined in patch-index order after the pass.
        var states = [PatchState]()
        for r in records {
            states += r!.states
            if r!.dense { denseSolves += 1 } else { sparseSolves += 1 }
            patchProfile.factorizations += r!.factorizations ?? 0
            patchProfile.factorSeconds += r!.factorSeconds ?? 0
            patchProfile.krylovSeconds += r!.krylovSeconds ?? 0
        }
        report.passes.append((number == 1 ? "patches" : "patches, halo \(layout.halo)", layout.count, states.count))
        time("patches", since: t)
        return states
    }

    /// Refuses (before pass 1) a plan whose memory will not fit: the whole lattice's model,
    /// one patch's factor and Krylov basis, and the store of `expected` states, each on a box
    /// of half-width 1.3 halo around its maximum (the support measured at tol 1e-6 in
    /// docs/benchmarks/patch-decay.md: half-width 127 for a halo of 100), at most the lattice.
    mutating func checkMemory(_ layout: PatchLayout, expected: Int) throws {
        let n = Double(lattice.siteCount)
        let patch = Double((0..<layout.count).map { layout.patchRegion($0).siteCount }.max() ?? 0)
        let side = 2.6 * Double(layout.halo) + 1
        let support = min(n, side * side)
        var e = MemoryEstimate()
        MemoryPlan.addModel(&e, sites: lattice.siteCount)
        e.add("whole-lattice scratch of the patch algebra", bytes: 17 * n)
        e.add("one patch: factor and one slice's Krylov basis", bytes: MemoryPlan.sparseFactorBytesPerSite * patch
              + 8 * patch * Double(2 * request.engine.sliceCapacity + 24))
        e.add("the compressed store (\(expected) states of about \(Int(support)) sites, held twice while combined)",
              bytes: 2 * Double(expected) * (8 * support + 200))
        report.plannedBytes = e.total
        try e.check("the patch plan (\(layout.count) patches of up to \(Int(patch)) sites, \(expected) states)")
    }

    /// Copies removed, states above tol re-solved (pass 2), copies removed again, overlapping
    /// near-degenerate states rotated together.
    mutating func settle(_ found: [PatchState], layout: PatchLayout) throws -> [PatchState] {
        var t = clock.now
        var states = removeDuplicates(found)
        if options.repair {
            let (repaired, count) = try repair(states, layout: layout)
            states = removeDuplicates(repaired)
            report.passes.append(("re-solves", count, states.count))
        }
        time("repair", since: t)
        t = clock.now
        states = try rotateClusters(states)
        time("rayleigh_ritz", since: t)
        return states
    }

    /// The energy margin every patch adds to the window on each side (units of t1): 100 tol
    /// ||H||_inf, at least 1e-4 ||H||_inf. A patch state with residual r has an eigenvalue of H
    /// within r of its energy (Weinstein), so every state of the window whose patch version
    /// has a residual up to the margin is solved; states worse than that are rare (the pilot
    /// puts 90% below tol / 2) and move by ~r^2 / gap, and one missed makes the inertia count
    /// disagree, which runs the pass again with the halo doubled.
    static func margin(tolerance: Double, scale: Double) -> Double {
        max(100 * tolerance, 1e-4 * scale)
    }

    /// Adds the seconds since `start` to the timing `name`.
    mutating func time(_ name: String, since start: ContinuousClock.Instant) {
        let s = (clock.now - start).seconds
        if let i = diagnostics.timings.firstIndex(where: { $0.0 == name }) { diagnostics.timings[i].1 += s } else { diagnostics.timings.append((name, s)) }
    }

    /// The solution for `store`: values, the local store (or dense columns when dense storage
    /// was asked for), diagnostics and the report.
    func finish(_ store: LocalEigenstates, fermi: FermiLevel?) -> EigenSolution {
        var d = diagnostics
        d.method = "patches (interior \(report.layout!.interior), halo \(report.layout!.halo); patches dense up to \(options.denseLimit) sites, shift-invert above)"
        d.certified = report.certificate?.certified ?? false
        d.counters += [("patches", report.layout!.count), ("patch_solves_dense", denseSolves), ("patch_solves_shift_invert", sparseSolves),
                       ("patches_resumed", report.resumedPatches), ("planned_bytes", report.plannedBytes),
                       ("duplicates_removed", report.duplicatesRemoved), ("resolved_states", report.resolved),
                       ("rayleigh_ritz_clusters", report.rayleighRitzClusters), ("global_factorizations", engine.statistics.factorizations)]
        // The per-patch profile, of the patches solved in this process (records from workers
        // or a checkpoint carry none): timings only, so that the numbers do not depend on the
        // executor.
        d.timings += [("patch_factor", patchProfile.factorSeconds), ("patch_krylov", patchProfile.krylovSeconds)]
        if let c = report.certificate, !c.certified { d.notes.append(("not_certified", c.reasons.joined(separator: "; "))) }
        // The certificate's checks, on the states as returned (a level cut leaves them to Eigensolver).
        if let c = report.certificate, c.found == store.count, store.count > 0, request.vectors {
            d.maxResidual = c.maxResidual
            d.maxOrthogonalityError = c.maxOrthogonalityError
        } else if let (r, o) = subsetChecks, store.count > 0, request.vectors {
            d.maxResidual = r
            d.maxOrthogonalityError = o
        }
        var pairs = Eigenpairs(values: store.values, vectors: [], dimension: h.rowCount, firstLevel: store.firstLevel)
        var local: LocalEigenstates? = store
        if request.vectors, case .dense = request.storage {
            var v = [Double](repeating: 0, count: h.rowCount * store.count)
            for a in 0..<store.count { store.forEachComponent(of: a) { i, x in v[i + a * h.rowCount] = x } }
            pairs.vectors = v
            local = nil
        }
        if !request.vectors { local = nil }
        var s = EigenSolution(pairs: pairs, diagnostics: d, fermiLevel: fermi, local: local)
        s.patches = report
        return s
    }

    /// The global shift-invert engine on the whole window, with the reason.
    mutating func fallback(reason: String) throws -> EigenSolution {
        var s = try ShiftInvertBackend().solve(h, request)
        s.diagnostics.method = "patches fell back to " + s.diagnostics.method
        s.diagnostics.notes.append(("fallback", reason))
        s.diagnostics.timings = diagnostics.timings + s.diagnostics.timings
        report.fallback = reason
        s.patches = report
        return s
    }

    /// The pilot: a patch at the lattice centre with the default interior, halos 8, 12, 18, ...
    /// until 90% of the states it keeps have residual <= tol / 2. Returns the layout, or nil when the
    /// halo would exceed a third of the shorter side. States near the window's centre are used
    /// (within the margin of it, widened x4 until the pilot keeps at least 16 states).
    mutating func pilot(_ lower: Double, _ upper: Double) throws -> PatchLayout? {
        let shorter = min(lattice.lx, lattice.ly)
        var halo = 8
        while 3 * halo <= shorter {
            let interior = options.interior ?? defaultInterior(halo: halo)
            guard interior + 2 * halo + 1 < shorter else { break }
            let centre = lattice.site(x: lattice.lx / 2, y: lattice.ly / 2)
            let inner = lattice.region(around: centre, halfWidth: interior / 2)
            let patch = lattice.region(around: centre, halfWidth: interior / 2 + halo)
            // A narrow window at the centre of the asked one, widened x4 until the pilot keeps
            // enough states: a few states measure the halo, the whole window would cost a patch.
            let middle = 0.5 * (lower + upper)
            var widen = report.margin
            var kept = [PatchState]()
            let grid = lattice
            while true {
                kept = try states(on: patch, middle - widen, middle + widen, patchIndex: -1, pass: 0) {
                    grid.localSite(of: $0, in: inner) != nil
                }
                if kept.count >= 16 || widen > scale { break }
                widen *= 4
            }
            // The 90th percentile: a rare wide state is the re-solves' job, not the layout's.
            let sorted = kept.map(\.residual).sorted()
            let typical = sorted.isEmpty ? .infinity : sorted[(9 * (sorted.count - 1)) / 10]
            report.pilot.append((halo, typical / scale))
            if typical <= 0.5 * tolerance {
                return try PatchLayout(lattice: lattice, interior: interior, halo: halo)
            }
            halo = (3 * halo + 1) / 2
        }
        return nil
    }

    /// The decay length of the pilot's residuals, xi = (h_2 - h_1) / ln(r_1 / r_2) over its
    /// last two halos (nil without a decay between them): sets the re-solves' halos.
    var pilotDecayLength: Double? {
        guard report.pilot.count >= 2 else { return nil }
        let a = report.pilot[report.pilot.count - 2], b = report.pilot[report.pilot.count - 1]
        guard b.halo > a.halo, b.maxResidual > 0, a.maxResidual > 1.5 * b.maxResidual else { return nil }
        return Double(b.halo - a.halo) / log(a.maxResidual / b.maxResidual)
    }

    /// The interior side for a halo: twice the halo (patch side 4 x halo: a quarter of each patch
    /// is interior), at least 8, and small enough that a patch does not reach around the
    /// shorter side (so a halo up to a third of it still gives a layout).
    func defaultInterior(halo: Int) -> Int {
        max(1, min(max(8, 2 * halo), min(lattice.lx, lattice.ly) - 2 * halo - 2))
    }

    /// The eigenstates of the region Hamiltonian of `region` in [lower, upper] whose largest
    /// |phi|^2 lies on a site where `interior` is true, or within the tie tolerance of one.
    mutating func states(on region: Lattice.Region, _ lower: Double, _ upper: Double, patchIndex: Int, pass: Int,
                         interior: (Int) -> Bool) throws -> [PatchState] {
        let (out, dense, _) = try Self.keptStates(model: model, region: region, lower, upper, denseLimit: options.denseLimit,
                                                  density: density, engine: request.engine, tieTolerance: options.tieTolerance,
                                                  budget: budget, algebra: &algebra, patchIndex: patchIndex, pass: pass,
                                                  interior: interior)
        if dense { denseSolves += 1 } else { sparseSolves += 1 }
        return out
    }

    /// The states a patch keeps (see ``states(on:_:_:patchIndex:pass:interior:)``), and whether
    /// it was solved dense: a function of its arguments alone (`algebra` is scratch space).
    static func keptStates(model: DisorderedModel, region: Lattice.Region, _ lower: Double, _ upper: Double, denseLimit: Int,
                           density: Double, engine: ShiftInvertOptions, tieTolerance tie: Double, budget: Double,
                           algebra: inout LocalAlgebra, patchIndex: Int, pass: Int,
                           interior: (Int) -> Bool) throws -> (states: [PatchState], dense: Bool, statistics: PatchWindowSolve.Statistics) {
        var out = [PatchState]()
        let m = region.siteCount
        let lattice = model.lattice
        let (dense, statistics) = try Self.eigenpairs(model: model, region: region, lower, upper, denseLimit: denseLimit,
                                                      density: density, engine: engine) { pairs in
            for j in 0..<pairs.count {
                let x = Array(pairs.vectors[(j * m)..<((j + 1) * m)])
                let top = PatchState.maximumSite(x, on: region, lattice: lattice)
                let owned = interior(top)
                var keep = owned
                if !owned {
                    var best = 0.0, inside = 0.0
                    for l in 0..<m {
                        let p = x[l] * x[l]
                        best = max(best, p)
                        if p > inside && interior(lattice.globalSite(l, in: region)) { inside = p }
                    }
                    keep = inside >= (1 - tie) * best
                }
                guard keep else { continue }
                out.append(PatchState.make(x, on: region, budget: budget, algebra: &algebra, patchIndex: patchIndex,
                                           pass: pass, maxSite: top, owned: owned))
            }
        }
        return (out, dense, statistics)
    }

    /// Eigenpairs of the region Hamiltonian with energies in [lower, upper], ascending, handed
    /// to `body` slice by slice (the dense vectors of the whole patch window never exist at
    /// once): dense LAPACK up to `denseLimit` sites, else ``PatchWindowSolve`` (one
    /// factorization per slice, slices sized by `density`, the expected states per site per
    /// t1). Returns whether the patch was solved dense, and the solve's profile.
    static func eigenpairs(model: DisorderedModel, region: Lattice.Region, _ lower: Double, _ upper: Double, denseLimit: Int,
                           density: Double, engine: ShiftInvertOptions,
                           _ body: (Eigenpairs) throws -> Void) throws -> (dense: Bool, statistics: PatchWindowSolve.Statistics) {
        let hp = model.hamiltonian(on: region)
        if region.siteCount <= denseLimit {
            do {
                try body(DenseEigensolver.solve(hp, selection: .energies(lower...upper)))
            } catch SolverError.emptySelection {}
            return (true, PatchWindowSolve.Statistics())
        }
        var o = engine
        o.factorization = .auto
        return (false, try PatchWindowSolve.solve(hp, lower, upper, density: density, engine: o, body))
    }
}
