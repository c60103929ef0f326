import FermiGlassModel
import FermiGlassSolvers

/// Where a free-mode start came from (its densities are built from this).
public enum HartreeFockStartKind: String, Sendable, CaseIterable {
    /// `initial` of ``HartreeFock/solve(h0:particles:options:initial:neighbours:store:progress:snapshot:)``:
    /// the previous U of a sweep, or --warm-start.
    case warm
    /// The kept state of the next U in the other direction of a sweep (``HartreeFock/sweep``).
    case neighbour
    /// Seeded random moments.
    case random
    /// A leading eigenvector of the U = 0 susceptibility Pi_0.
    case susceptibility
    /// The first-order ground state's occupations of H0's levels (Eq. 13 minimized).
    case firstOrder = "first-order"
    /// A local kick of the lowest minimum found so far (``HartreeFock/kick(up:down:h0:particles:seed:hop:)``).
    case hop
}

/// A finished start of a free-mode search, with everything needed to restore it without
/// recomputing it: the final state's input densities (which determine it: one diagonalization
/// rebuilds its orbitals), its output densities (for the deduplication), and its stability.
/// ``HartreeFockStartStore`` keeps these so that a search can run in parts.
public struct HartreeFockStartRecord: Sendable {
    public var start: Int
    public var kind: HartreeFockStartKind
    /// The U of the search (a record of another U is not used).
    public var U: Double = .nan
    /// A checksum of the start's initial densities: a record whose checksum differs from the
    /// candidate's (another seed, lattice or U) is not used.
    public var startChecksum: Double
    public var converged: Bool
    public var energy: Double = .nan
    public var nUp: Int = 0
    public var nDown: Int = 0
    /// The fixed N_up of the final state's problem (nil: free split).
    public var spinUp: Int? = nil
    public var occupation: HartreeFockOptions.Occupation = .aufbau
    /// Input densities (up then down) of the final state.
    public var x: [Double] = []
    /// Output densities of the final state.
    public var densityUp: [Double] = []
    public var densityDown: [Double] = []
    /// Ascending ranks of the occupied levels per spin, only for a state with an empty level
    /// below an occupied one (maximum overlap); nil for an aufbau state.
    public var occupiedRanksUp: [Int]? = nil
    public var occupiedRanksDown: [Int]? = nil
    public var hessianMinEigenvalue: Double = .nan
    public var hessianResidual: Double = .nan
    public var hessianDimension: Int = 0
    public var hessianApplications: Int = 0
    public var following: InstabilityFollowing? = nil
    /// Every attempt of this start (its descents included) and the index of the kept one.
    public var runs: [HartreeFockRun] = []
    public var keptRun: Int = 0

    public init(start: Int, kind: HartreeFockStartKind, startChecksum: Double, converged: Bool) {
        self.start = start
        self.kind = kind
        self.startChecksum = startChecksum
        self.converged = converged
    }

    public var moments: [Double] { zip(densityUp, densityDown).map { $0 - $1 } }
    public var sz: Double { Double(nUp - nDown) / 2 }
    public var isMinimum: Bool { hessianMinEigenvalue > -HartreeFockStability.threshold }

    /// sum_i (i + 1) x_i / n: the checksum of a start's densities.
    public static func checksum(_ x: [Double]) -> Double {
        var s = 0.0
        for (i, v) in x.enumerated() { s += Double(i + 1) * v }
        return s / Double(max(1, x.count))
    }
}

/// Keeps the finished starts of one (realization, U) search, so that a killed search continues
/// where it stopped: ``load(start:)`` returns a start's record when it was finished before.
public protocol HartreeFockStartStore: AnyObject {
    func load(start: Int) -> HartreeFockStartRecord?
    func save(_ record: HartreeFockStartRecord) throws
}

extension HartreeFock {
    /// One start of a free-mode search.
    struct Candidate {
        var start: Int
        var kind: HartreeFockStartKind
        var x: [Double]
    }

    /// Free mode with stability: each start is converged, followed down to a minimum
    /// (``followInstabilities(from:h0:maxSteps:maxIterations:angles:progress:)``), recorded
    /// (and saved to `store`), one after the other; a start already in `store` is restored
    /// instead. The distinct minima are collected (``HartreeFockMinimum``); the lowest (among
    /// equal energies a stable one, then the earliest start) is returned with the list.
    static func searchMinima(_ candidates: [Candidate], h0: CSRMatrix, particles: Int, options: HartreeFockOptions,
                             store: HartreeFockStartStore?, progress: ((String) -> Void)?,
                             attempts: (Int, [Double]) throws -> [(Problem, Result<Problem.Outcome, Problem.Unconverged>)])
        throws -> HartreeFockResult
    {
        // Run order: the warm and neighbour starts, then the first-order and susceptibility
        // starts (physically informed: at 60 x 60 a start costs an hour, and a search run in
        // parts should have those first), then the random ones; the start numbers stay.
        let priority: [HartreeFockStartKind: Int] = [.warm: 0, .neighbour: 1, .firstOrder: 2, .susceptibility: 3, .random: 4]
        let candidates = candidates.enumerated().sorted { (priority[$0.element.kind]!, $0.offset) < (priority[$1.element.kind]!, $1.offset) }
            .map { $0.element }
        var records: [HartreeFockStartRecord] = []
        var inMemory: [Int: HartreeFockResult] = [:]   // only the best so far is kept
        var lastFailure: HartreeFockError? = nil
        let hops = options.hops
        let total = candidates.count + hops
        func run(_ c: Candidate, _ k: Int) throws {
            let sum = HartreeFockStartRecord.checksum(c.x)
            if let rec = store?.load(start: c.start), rec.kind == c.kind, rec.U == options.U,
               abs(rec.startChecksum - sum) <= 1e-12 * max(1, abs(sum)) {
                progress?("start \(c.start) (\(c.kind.rawValue), \(k + 1) of \(total)): restored from the start store, "
                          + (rec.converged ? "E = \(rec.energy)" : "not converged"))
                records.append(rec)
                return
            }
            progress?("start \(c.start) (\(c.kind.rawValue), \(k + 1) of \(total))")
            let tried = try attempts(c.start, c.x)
            let runs = tried.map { record($0.0, $0.1, start: c.start) }
            var best: HartreeFockResult? = nil
            for (index, (p, r)) in tried.enumerated() {
                guard case .success(let outcome) = r else {
                    if case .failure(let u) = r { lastFailure = u.error }
                    continue
                }
                var state = try p.finish(outcome, start: c.start, runs: runs)
                state.keptRun = index
                let report = progress.map { q in { (s: String) in q("start \(c.start): " + s) } }
                let f = try followInstabilities(from: state, h0: h0, maxIterations: options.maxIterations, progress: report)
                var final = f.result
                final.stability = f.stability
                final.following = f.following
                if let b = best, !isBetter(final, than: b) { continue }
                best = final
            }
            var rec = HartreeFockStartRecord(start: c.start, kind: c.kind, startChecksum: sum, converged: best != nil)
            rec.runs = runs
            rec.U = options.U
            if let b = best {
                rec = Self.record(b, start: c.start, kind: c.kind, checksum: sum)
                let bestIndex = records.indices.filter { records[$0].converged }.min { isBetter(records[$0], than: records[$1]) }
                if bestIndex == nil || isBetter(rec, than: records[bestIndex!]) {
                    inMemory = [records.count: b]
                }
            }
            try store?.save(rec)
            records.append(rec)
        }
        for (k, c) in candidates.enumerated() { try run(c, k) }
        // Basin hopping (HartreeFock+Hops.swift): each hop kicks the lowest minimum so far
        // (the earliest start among equal energies) and descends again.
        var nextStart = (candidates.map(\.start).max() ?? -1) + 1
        for j in 0..<hops {
            let converged = records.indices.filter { records[$0].converged }
            guard let b = converged.min(by: {
                isBetter(records[$0], than: records[$1]) || (!isBetter(records[$1], than: records[$0]) && records[$0].start < records[$1].start)
            }) else { break }
            let x = try kick(up: records[b].densityUp, down: records[b].densityDown, input: records[b].x, U: options.U, h0: h0,
                             particles: particles, seed: options.seed, hop: j)
            try run(Candidate(start: nextStart, kind: .hop, x: x), candidates.count + j)
            nextStart += 1
        }
        let converged = records.indices.filter { records[$0].converged }
        guard let keptIndex = converged.min(by: {
            isBetter(records[$0], than: records[$1]) || (!isBetter(records[$1], than: records[$0]) && records[$0].start < records[$1].start)
        }) else {
            if let e = lastFailure { throw e }
            let run = records.last?.runs.last
            throw HartreeFockError.notConverged(iterations: run?.iterations ?? 0, densityResidual: run?.densityResidual ?? .nan,
                                                energyChange: run?.energyChange ?? .nan, mixing: options.mixing.description,
                                                U: options.U)
        }
        var minima: [HartreeFockMinimum] = []
        for i in converged {
            let r = records[i]
            let m = HartreeFockMinimum(energy: r.energy, sz: r.sz, totalAbsoluteMoment: r.moments.reduce(0) { $0 + abs($1) },
                                       hessianMinEigenvalue: r.hessianMinEigenvalue, starts: [r.start], moments: r.moments)
            if let k = minima.firstIndex(where: { $0.isSame(as: m) }) { minima[k].starts.append(r.start) } else { minima.append(m) }
        }
        minima.sort { $0.energy < $1.energy }
        let kept = records[keptIndex]
        var result = try inMemory[keptIndex] ?? restore(kept, h0: h0, particles: particles, options: options)
        // Every start's attempts, in order; the kept attempt indexed into them.
        var all: [HartreeFockRun] = []
        for (i, r) in records.enumerated() {
            if i == keptIndex { result.keptRun = all.count + kept.keptRun }
            all += r.runs
        }
        result.runs = all
        result.minima = minima
        return result
    }

    /// The lower energy wins; among equal energies (1e-10 relative) a minimum before a saddle.
    static func isBetter(_ a: HartreeFockResult, than b: HartreeFockResult) -> Bool {
        let scale = 1e-10 * max(1, abs(b.energy))
        if a.energy < b.energy - scale { return true }
        return abs(a.energy - b.energy) <= scale && a.stability?.isMinimum == true && b.stability?.isMinimum != true
    }

    static func isBetter(_ a: HartreeFockStartRecord, than b: HartreeFockStartRecord) -> Bool {
        let scale = 1e-10 * max(1, abs(b.energy))
        if a.energy < b.energy - scale { return true }
        return abs(a.energy - b.energy) <= scale && a.isMinimum && !b.isMinimum
    }

    /// The run record of one attempt.
    static func record(_ p: Problem, _ r: Result<Problem.Outcome, Problem.Unconverged>, start: Int) -> HartreeFockRun {
        switch r {
        case .success(let o):
            return HartreeFockRun(start: start, converged: true, iterations: o.iterations, densityResidual: o.residual,
                                  energyChange: o.energyChange, energy: o.energy, totalSz: abs(Double(o.nUp - o.nDown)) / 2,
                                  fixedSpinUp: p.options.spinUp, occupation: p.options.occupation, energies: o.energies)
        case .failure(let u):
            var it = u.trace.energies.count, res = u.trace.bestResidual, de = Double.nan
            if case .notConverged(let i, let r, let d, _, _) = u.error { it = i; res = r; de = d }
            return HartreeFockRun(start: start, converged: false, iterations: it, densityResidual: res, energyChange: de,
                                  energy: .nan, totalSz: .nan, fixedSpinUp: p.options.spinUp, occupation: p.options.occupation,
                                  energies: u.trace.energies)
        }
    }

    /// The record of a finished (followed) state.
    static func record(_ s: HartreeFockResult, start: Int, kind: HartreeFockStartKind, checksum: Double) -> HartreeFockStartRecord {
        var r = HartreeFockStartRecord(start: start, kind: kind, startChecksum: checksum, converged: true)
        r.U = s.options.U
        r.energy = s.energy
        r.nUp = s.up.occupied
        r.nDown = s.down.occupied
        r.spinUp = s.options.spinUp
        r.occupation = s.options.occupation
        r.x = s.inputDensities
        r.densityUp = s.up.density
        r.densityDown = s.down.density
        if s.up.aufbauViolations > 0 || s.down.aufbauViolations > 0 {
            r.occupiedRanksUp = ranks(s.up)
            r.occupiedRanksDown = ranks(s.down)
        }
        if let st = s.stability {
            r.hessianMinEigenvalue = st.hessianMinEigenvalue
            r.hessianResidual = st.residual
            r.hessianDimension = st.dimension
            r.hessianApplications = st.applications
        }
        r.following = s.following
        r.runs = s.runs
        r.keptRun = s.keptRun
        return r
    }

    /// Ascending ranks of a channel's occupied levels among all its levels.
    static func ranks(_ ch: HartreeFockChannel) -> [Int] {
        let order = ch.orbitals.values.indices.sorted { ch.orbitals.values[$0] < ch.orbitals.values[$1] || (ch.orbitals.values[$0] == ch.orbitals.values[$1] && $0 < $1) }
        var rank = [Int](repeating: 0, count: order.count)
        for (r, i) in order.enumerated() { rank[i] = r }
        return (0..<ch.occupied).map { rank[$0] }
    }

    /// Rebuilds a recorded state from its input densities (one complete diagonalization per
    /// spin): the same orbitals and energy as when it was found. Its stability is the recorded
    /// one (the mode vector is not kept). Throws when the energy does not come back (a record
    /// of another problem).
    public static func restore(_ rec: HartreeFockStartRecord, h0: CSRMatrix, particles: Int,
                               options: HartreeFockOptions) throws -> HartreeFockResult {
        var o = options
        o.mode = .free
        o.spinUp = rec.spinUp
        o.occupation = .aufbau
        var reference: [Double]? = nil
        if let ru = rec.occupiedRanksUp, let rd = rec.occupiedRanksDown {
            // Maximum overlap with the recorded occupied levels picks exactly them.
            o.spinUp = rec.nUp
            let s = try Problem(h0: h0, particles: particles, options: o).step(rec.x, all: true)
            let n = h0.rowCount
            var ref: [Double] = []
            for a in ru { ref += s.up.vectors[(a * n)..<((a + 1) * n)] }
            for a in rd { ref += s.down!.vectors[(a * n)..<((a + 1) * n)] }
            reference = ref
            o.occupation = .maximumOverlap
        }
        let p = try Problem(h0: h0, particles: particles, options: o)
        let outcome = Problem.Outcome(x: rec.x, energy: rec.energy, iterations: 0, residual: 0, energyChange: 0,
                                      nUp: rec.nUp, nDown: rec.nDown, reference: reference)
        var r = try p.finish(outcome, start: rec.start, runs: rec.runs)
        guard abs(r.energy - rec.energy) <= 1e-9 * max(1, abs(rec.energy)), r.up.occupied == rec.nUp else {
            throw HartreeFockError.invalidArgument(
                "the stored start \(rec.start) does not reproduce (energy \(r.energy) against the recorded \(rec.energy), N_up \(r.up.occupied) "
                    + "against \(rec.nUp)): the start store belongs to another problem; remove it or run without it")
        }
        r.options.spinUp = rec.spinUp
        r.options.occupation = rec.occupation
        r.keptRun = rec.keptRun
        r.stability = HartreeFockStability(hessianMinEigenvalue: rec.hessianMinEigenvalue, residual: rec.hessianResidual,
                                           dimension: rec.hessianDimension, applications: rec.hessianApplications, mode: [])
        r.following = rec.following
        return r
    }
}
