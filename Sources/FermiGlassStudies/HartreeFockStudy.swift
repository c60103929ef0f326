import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// Densities (n_up, n_dn) per site to start a self-consistency from.
public struct SpinDensities: Sendable {
    public var up: [Double]
    public var down: [Double]
    public init(up: [Double], down: [Double]) { self.up = up; self.down = down }
}

/// Unrestricted Hartree-Fock of the disordered Hubbard model (paper Eqs. 5-6, 14, A1) over the
/// realizations of one model and a list of U: the study behind `fermiglass hartree-fock`.
///
/// A unit is one realization r: ``HartreeFock/solve(h0:particles:options:initial:progress:snapshot:)``
/// at every U of `interactions` in turn, each U warm-started from the previous U's converged
/// densities (the first U from `initial` when given; after a U that did not converge the next
/// starts afresh). A U that does not converge is a record entry with its error, not a failure
/// of the unit. The record depends only on the parameters and r; wall times aside.
public struct HartreeFockStudy: Study {
    public var spec: ModelSpec
    /// The U values (units of t1), in sweep order.
    public var interactions: [Double]
    /// The settings of every solve (its `U` is replaced by each value of `interactions`).
    public var options: HartreeFockOptions
    /// Densities of an earlier run to start the first U from (one realization only).
    public var initial: SpinDensities?
    /// Where `initial` came from (the --warm-start directory), recorded in the summary.
    public var initialSource: String?
    /// Sites with |m_i| above this count as moment-carrying.
    public var momentThreshold: Double = 0.1
    /// HF orbitals on each side of E_F, per spin, in near_fermi.csv.
    public var nearFermi: Int = 20
    /// Write each realization's on-site energies (r###/disorder.npy).
    public var saveDisorder = false
    /// Where the sweep keeps what a killed run continues from (nil: nowhere).
    public var checkpoint: HartreeFockCheckpoint?
    /// Free mode with a U list: after the sweep up, go back down, each U also started from the
    /// kept state of the U above it (the U-continuation in both directions).
    public var bothDirections = false
    /// Restore the finished starts of a killed run from the checkpoint's start stores
    /// (``HartreeFockStartFiles``) instead of running them again: with the same parameters the
    /// run ends where an uninterrupted one ends (the start that was running is rerun from its
    /// beginning; its partial densities are not used).
    public var resume = false
    public var hooks = Hooks()

    /// What a running sweep tells its caller; every hook may run in a worker process.
    public struct Hooks: Sendable {
        /// An iteration line of the self-consistency of (realization, U) (every iteration: throttle it).
        public var iteration: (@Sendable (Int, Double, String) -> Void)?
        /// A (realization, U) has finished, converged or not.
        public var finished: (@Sendable (Int, Double) -> Void)?
        /// A message for standard error (an unconverged U, a checkpoint that cannot be written).
        public var warning: (@Sendable (String) -> Void)?
        public init() {}
    }

    public init(spec: ModelSpec, interactions: [Double], options: HartreeFockOptions, initial: SpinDensities? = nil) {
        self.spec = spec
        self.interactions = interactions
        self.options = options
        self.initial = initial
    }

    /// One (realization, U).
    public struct Point: Codable, Sendable {
        public var U: Double
        /// `r###/U<value>`: its folder in the output.
        public var folder: String
        public var converged: Bool
        /// Why it did not converge.
        public var error: String?
        /// Its running densities were saved to the checkpoint's `partial/` (an unconverged U).
        public var partialSaved: Bool
        @Packed public var moments: [Double] = []
        @Packed public var densityUp: [Double] = []
        @Packed public var densityDown: [Double] = []
        @Packed public var eigenvaluesUp: [Double] = []
        @Packed public var eigenvaluesDown: [Double] = []
        /// near_fermi.csv: IPR and U IPR of the HF orbitals around E_F.
        public var nearFermi: CSVTable?
        /// The row of hartree_fock.csv.
        public var row: [String]
        /// The `results` entry of summary.json.
        public var entry: JSON
    }

    /// One realization: a point per U, in the order of `interactions`.
    public struct Record: Codable, Sendable {
        public var realization: Int
        public var points: [Point]
    }

    /// The realizations, in output order.
    public var units: [Int] { spec.realizations }

    public func record(for r: Int) throws -> Record {
        let mode = options.mode.rawValue
        let points = try sweep(realization: r, entry: \.entry) { u, _, result, seconds in
            let folder = HartreeFockCheckpoint.folder(realization: r, U: u)
            let count = result.momentCount(threshold: momentThreshold)
            let head: [String] = [String(r), "\(u)", mode, "true", "\(result.energy)", "\(result.energyFromH0)", String(count)]
            let middle: [String] = ["\(result.totalAbsoluteMoment)", "\(result.totalSz)", String(result.up.occupied),
                                    String(result.down.occupied), "\(result.fermiEnergy ?? .nan)", "\(result.gap ?? .nan)"]
            let stability: String = result.stability.map { "\($0.hessianMinEigenvalue)" } ?? ""
            let minima: String = result.minima.isEmpty ? "" : String(result.minima.count)
            let reaching: String = result.minima.first.map { String($0.starts.count) } ?? ""
            let row = head + middle + [String(result.iterations), "\(result.sz)", stability, minima, reaching]
            return Point(U: u, folder: folder, converged: true, error: nil, partialSaved: false, moments: result.moments,
                         densityUp: result.up.density, densityDown: result.down.density,
                         eigenvaluesUp: result.up.orbitals.values, eigenvaluesDown: result.down.orbitals.values,
                         nearFermi: Self.nearFermiTable(result, levels: nearFermi), row: row,
                         entry: Self.entry(result, realization: r, threshold: momentThreshold, seconds: seconds, directory: folder))
        } failed: { u, error, saved in
            Point(U: u, folder: HartreeFockCheckpoint.folder(realization: r, U: u), converged: false, error: error.description,
                  partialSaved: saved, row: [String(r), "\(u)", mode, "false", "nan", "nan"] + Array(repeating: "", count: 12),
                  entry: .object([("realization", .int(r)), ("U", .number(u)), ("converged", .bool(false)), ("error", .string(error.description))]))
        }
        return Record(realization: r, points: points)
    }

    /// The U sweep of realization `r` (shared with ``LinearStabilityStudy``): H0 of the
    /// realization, then every U warm-started from the previous converged one, the running
    /// densities and each converged U kept in the checkpoint. With ``bothDirections`` (free mode,
    /// two U or more) the sweep then goes back down, each U also started from the kept state of
    /// the U above it (``HartreeFock/refine(_:neighbour:h0:particles:options:store:progress:snapshot:)``),
    /// and the U's are reported after that. In free mode with stability every finished start is
    /// saved in the checkpoint's `r###/U<value>/starts/` (``HartreeFockStartFiles``); with
    /// ``resume`` the starts found there are restored instead of rerun. `converged` gets (U, H0,
    /// result, seconds of the solve); `failed` gets (U, error, whether its running densities
    /// were saved).
    func sweep<P>(realization r: Int, entry: (P) -> JSON,
                  converged: (Double, CSRMatrix, HartreeFockResult, Double) throws -> P,
                  failed: (Double, HartreeFockError, Bool) throws -> P) throws -> [P] {
        guard let filling = spec.filling else { throw ModelError.invalidParameter("Hartree-Fock needs a filling (particles)") }
        let h0 = try spec.model(realization: r).hamiltonian()
        let identity = Self.identity(spec, realization: r)
        let particles = filling.particles
        var previous = initial.map { (up: $0.up, down: $0.down) }
        let deferred = bothDirections && options.mode == .free && interactions.count > 1
        let searching = options.mode == .free && options.stability
        func store(_ folder: String) -> HartreeFockStartStore? {
            guard searching, let c = checkpoint else { return nil }
            return HartreeFockStartFiles(checkpoint: c, directory: folder + "/starts", reading: resume)
        }
        // Per U: the result or the error, the seconds, whether its running densities were saved.
        var outcomes: [(result: Result<HartreeFockResult, HartreeFockError>, seconds: Double, saved: Bool)] = []
        var out = [P]()
        func report(_ k: Int) throws {
            let u = interactions[k], folder = HartreeFockCheckpoint.folder(realization: r, U: u)
            switch outcomes[k].result {
            case .success(let result):
                let p = try converged(u, h0, result, outcomes[k].seconds)
                try checkpoint?.finished(folder, result, identity: identity, entry: entry(p))
                out.append(p)
            case .failure(let e):
                out.append(try failed(u, e, outcomes[k].saved))
            }
            hooks.finished?(r, u)
        }
        for (k, u) in interactions.enumerated() {
            var o = options
            o.U = u
            let folder = HartreeFockCheckpoint.folder(realization: r, U: u)
            let saver = checkpoint.map { c in
                HartreeFockSnapshotWriter(c, folder: folder, identity: identity) { [hooks] in hooks.warning?($0) }
            }
            let clock = ContinuousClock(), t0 = clock.now
            do {
                let result = try HartreeFock.solve(h0: h0, particles: particles, options: o, initial: previous, store: store(folder),
                                                   progress: { [hooks] line in hooks.iteration?(r, u, line) },
                                                   snapshot: saver.map { s in { s.save($0) } })
                previous = (result.up.density, result.down.density)
                outcomes.append((.success(result), (clock.now - t0).seconds, false))
            } catch let e as HartreeFockError {
                hooks.warning?("realization \(r), U = \(u): \(e.description)")
                if let c = checkpoint, saver?.saved == true {
                    hooks.warning?("its last densities are in \(c.output.appendingPathComponent(folder + "/partial").path) (until the run completes: \(c.url(folder + "/partial").path)): "
                                   + "--warm-start there (with --starts 0) continues only the start that was running, which need not end where the whole search would; "
                                   + "a killed run resumed in the same output directory restores its finished starts from the checkpoint")
                }
                outcomes.append((.failure(e), (clock.now - t0).seconds, saver?.saved ?? false))
                previous = nil
            }
            if !deferred { try report(k) }
        }
        guard deferred else { return out }
        // Back down: each U also started from the kept state of the U above it (start -2).
        for k in stride(from: interactions.count - 2, through: 0, by: -1) {
            guard case .success(let above) = outcomes[k + 1].result else { continue }
            let u = interactions[k], folder = HartreeFockCheckpoint.folder(realization: r, U: u)
            var o = options
            o.U = u
            let clock = ContinuousClock(), t0 = clock.now
            let progress: (String) -> Void = { [hooks] line in hooks.iteration?(r, u, "back down: " + line) }
            do {
                switch outcomes[k].result {
                case .success(let mine):
                    outcomes[k].result = .success(try HartreeFock.refine(mine, neighbour: above, h0: h0, particles: particles, options: o,
                                                                         store: store(folder), progress: progress))
                case .failure:
                    o.starts = 0; o.susceptibilityStarts = 0; o.firstOrderStarts = 0; o.hops = 0
                    outcomes[k].result = .success(try HartreeFock.solve(h0: h0, particles: particles, options: o,
                                                                        neighbours: [(above.up.density, above.down.density)],
                                                                        store: store(folder), progress: progress))
                }
            } catch let e as HartreeFockError {
                hooks.warning?("realization \(r), U = \(u): the start from U = \(interactions[k + 1]) failed (\(e.description)); the upward result stands")
            }
            outcomes[k].seconds += (clock.now - t0).seconds
        }
        for k in interactions.indices { try report(k) }
        return out
    }

    /// The keys of a model spec that fix the lattice a set of densities belongs to.
    public static let identityKeys = ["Lx", "Ly", "boundary_x", "boundary_y", "t1", "t2", "W", "mu", "particles", "seed", "disorder_file"]

    /// What a set of densities was computed on: the lattice, parameters, seed and realization
    /// (written beside the densities as lattice.json, checked by a warm start).
    public static func identity(_ spec: ModelSpec, realization r: Int) -> JSON {
        let all = spec.json.objectValue ?? []
        return .object(identityKeys.compactMap { k in all.first { $0.0 == k } } + [("realization", .int(r))])
    }

    /// The memory of a Hartree-Fock run: the model, the dense eigensolve of each spin's
    /// mean-field Hamiltonian (matrix, eigenvectors, workspace), the other spin's eigenvectors,
    /// and the densities of the mixing history (a few dozen N-vectors).
    public static func memoryPlan(_ spec: ModelSpec) -> MemoryEstimate {
        let n = spec.lattice.siteCount, N = Double(n)
        return MemoryPlan.estimate(sites: n, request: EigenRequest(solver: .dense, selection: .all, vectors: true),
                                   extra: [("second spin's eigenvectors", 8 * N * N), ("densities and mixing history", 8 * 64 * N)])
    }
}
