import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// Eigenvalues (and eigenvectors) of H0 per disorder realization (`fermiglass spectrum`): every
/// level (dense), the `count` levels nearest sigma, or a window around E_F (shift-invert or
/// patches, certified by inertia counts; CONVENTIONS.md §2, §5).
///
/// With a filling, E_F = (xi_{N/2-1} + xi_{N/2}) / 2 (units of t1) and the shell is open when the
/// two levels coincide to 1e-10 ||H0||_inf. The states are handed back as dense columns
/// (site-major, `keepVectors`) or as compressed local states written as states.npz (scipy.sparse
/// CSC, sites x states) with their table (residual on the global H, support, discarded weight,
/// site of the maximum; from the patch solver also the error bound, patch and pass).
public struct SpectrumStudy: Study {
    public var spec: ModelSpec
    public var request: EigenRequest
    /// Hand the eigenvectors back (eigenvectors.npy, or states.npz with local storage).
    public var keepVectors: Bool
    /// With local storage: the weight a state may drop outside its rectangle (recorded).
    public var maxDiscardedWeight: Double
    /// The selection in words, for the message when it holds no state ("--window levels:4").
    public var selectionLabel: String
    /// Where the patch solver's patches go (nil: in this process; ``PatchUnits``).
    public var patchUnits: PatchUnits.Mode?

    public init(spec: ModelSpec, request: EigenRequest, keepVectors: Bool = false, maxDiscardedWeight: Double = 1e-12,
                selectionLabel: String = "") {
        self.spec = spec
        self.request = request
        self.keepVectors = keepVectors
        self.maxDiscardedWeight = maxDiscardedWeight
        self.selectionLabel = selectionLabel
    }

    public var units: [Int] { spec.realizations }

    /// One realization's levels, checks, and (optionally) states.
    public struct Record: Codable, Sendable {
        public var realization: Int
        public var firstLevel: Int?
        @Packed public var values: [Double]
        public var fermiEnergy: Double?
        public var openShell: Bool?
        public var solver: SolveDiagnosticsRecord
        /// summary.json blocks of the patch solver's report and of the local storage, serialized.
        public var patchesJSON: String?
        public var storageJSON: String?
        /// Dense eigenvectors, site-major (sites x states), with `keepVectors` and dense storage.
        @Packed public var vectors: [Double]
        public var dimension: Int
        /// The states (written as states.npz, streamed) and state_table.csv, with `keepVectors`
        /// and local storage.
        public var states: StoredStates?
        public var stateTable: String?

        /// The record without its states (what the aggregate keeps once they are written).
        public var withoutStates: Record {
            var r = self
            r.vectors = []; r.states = nil; r.stateTable = nil
            return r
        }
    }

    public func record(for r: Int) throws -> Record {
        var request = self.request
        if let mode = patchUnits { request.patchExecutor = PatchUnits.executor(mode, realization: r) }
        let (_, h, solution) = try spec.solve(realization: r, request)
        let pairs = solution.pairs
        guard pairs.count > 0 else { throw SolverError.emptySelection("realization \(r): the selection \(selectionLabel) holds no state") }
        var rec = Record(realization: r, firstLevel: pairs.firstLevel, values: pairs.values, fermiEnergy: nil, openShell: nil,
                         solver: SolveDiagnosticsRecord(solution.diagnostics),
                         patchesJSON: solution.patches.map { $0.json.serialized() },
                         storageJSON: solution.local.map { $0.storageSummary(maxDiscardedWeightAllowed: maxDiscardedWeight).serialized() },
                         vectors: [], dimension: pairs.dimension, states: nil, stateTable: nil)
        if let level = solution.fermiLevel {
            rec.fermiEnergy = level.energy
            rec.openShell = level.openShell
        } else if let f = spec.filling, request.selection == .all {
            rec.fermiEnergy = 0.5 * (pairs.values[f.fermiIndex - 1] + pairs.values[f.fermiIndex])
            rec.openShell = pairs.values[f.fermiIndex] - pairs.values[f.fermiIndex - 1] <= 1e-10 * h.infinityNorm
        }
        if keepVectors, let local = solution.local {
            rec.states = StoredStates(local)
            rec.stateTable = Self.table(local, hamiltonian: h, report: solution.patches)
        } else if keepVectors {
            rec.vectors = pairs.vectorsSiteMajor()
        }
        return rec
    }

    /// states.npz (scipy.sparse CSC, sites x states), built in memory, and state_table.csv:
    /// the in-memory reference of the streamed states.npz (``StoredStates/writeNPZ(path:)``).
    public static func encode(_ local: LocalEigenstates, hamiltonian h: CSRMatrix, report: PatchReport? = nil) throws -> (Data, String) {
        let (indptr, indices, data) = local.compressedColumns()
        let npz = try NPZ.encodeCSC(rows: local.dimension, columns: local.count, indptr: indptr, indices: indices, data: data)
        return (npz, table(local, hamiltonian: h, report: report))
    }

    /// state_table.csv: per state level, energy, residual on the global H, support size,
    /// discarded weight, site of the maximum; from the patch solver also the eigenvalue's error
    /// bound, the patch and the pass.
    public static func table(_ local: LocalEigenstates, hamiltonian h: CSRMatrix, report: PatchReport? = nil) -> String {
        let residuals = local.residuals(of: h), maxima = local.maximumSites()
        let patchColumns = report.map { $0.bounds.count == local.count } ?? false
        var table = CSVTable(header: ["level", "energy", "residual", "support_sites", "discarded_weight", "max_site"]
                             + (patchColumns ? ["error_bound", "patch", "pass"] : []))
        for a in 0..<local.count {
            var row: [CSVCell] = [local.firstLevel.map { .int($0 + a) } ?? "", .double(local.values[a]), .double(residuals[a]),
                                  .int(local.supportSize(of: a)), .double(local.discardedWeight(of: a)), .int(maxima[a])]
            if patchColumns, let r = report { row += [.double(r.bounds[a]), .int(r.patchOfState[a]), .int(r.passOfState[a])] }
            table.append(row)
        }
        return table.text
    }

    /// The records, their states dropped.
    public func aggregate(_ records: [Record]) throws -> [Record] { records.map(\.withoutStates) }

    /// One realization's files: r###/eigenvalues.npy, eigenvectors.npy or states.npz +
    /// state_table.csv, disorder.npy with `saveDisorder`; top-level copies for a single
    /// realization.
    public func files(_ rec: Record, saveDisorder: Bool) throws -> [StudyFile] {
        var out = StudyReport()
        let single = spec.realizations.count == 1
        let dir = StudyReport.realizationDirectory(rec.realization)
        out.add("\(dir)/eigenvalues.npy", .doubles(rec.values, shape: nil))
        if let states = rec.states, let table = rec.stateTable {
            for d in single ? ["\(dir)/", ""] : ["\(dir)/"] {
                out.add(d + "states.npz", .streamed { try states.writeNPZ(path: $0) })
                out.add(d + "state_table.csv", .data(Data(table.utf8)))
            }
        } else if keepVectors {
            out.add("\(dir)/eigenvectors.npy", .doubles(rec.vectors, shape: [rec.dimension, rec.values.count]))
        }
        if saveDisorder { out.add("\(dir)/disorder.npy", .doubles(try spec.model(realization: rec.realization).onsiteEnergies, shape: nil)) }
        if single {
            out.add("eigenvalues.npy", .doubles(rec.values, shape: nil))
            if keepVectors && rec.states == nil {
                out.add("eigenvectors.npy", .doubles(rec.vectors, shape: [rec.dimension, rec.values.count]))
            }
        }
        return out.files
    }

    /// The summary: parameters, solver, the mean E_F, certified (every realization's
    /// selection proven complete; uncertified otherwise, with the reason) and per realization
    /// levels, E_F, open shell, the solver's checks, the patch report and the storage.
    public func report(_ records: [Record], extra: [(String, JSON)] = []) throws -> StudyReport {
        var out = StudyReport()
        var perRealization = [JSON]()
        for rec in records {
            var entry: [(String, JSON)] = [("realization", .int(rec.realization)), ("states", .int(rec.values.count))]
            if let first = rec.firstLevel { entry.append(("first_level", .int(first))) }
            if let lo = rec.values.first, let hi = rec.values.last { entry += [("min", .number(lo)), ("max", .number(hi))] }
            if let ef = rec.fermiEnergy, let open = rec.openShell { entry += [("fermi_energy", .number(ef)), ("open_shell", .bool(open))] }
            entry += rec.solver.diagnostics.entries
            if let p = rec.patchesJSON { entry.append(("patches", try JSON.parse(p))) }
            if let s = rec.storageJSON { entry.append(("storage", try JSON.parse(s))) }
            perRealization.append(.object(entry))
        }
        var body: [(String, JSON)] = [("parameters", spec.json), ("solver", .string(records.last?.solver.method ?? ""))] + extra
        let efs = records.compactMap(\.fermiEnergy)
        if !efs.isEmpty { body.append(("fermi_energy", .number(efs.reduce(0, +) / Double(efs.count)))) }
        let certified = records.allSatisfy(\.solver.certified)
        body.append(("certified", .bool(certified)))
        if !certified {
            out.uncertified = "the inertia count did not prove the computed states complete in every realization (see realizations[].certified)"
        }
        body.append(("realizations", .array(perRealization)))
        out.summary = body
        return out
    }
}

extension SpectrumStudy: PatchUnitHosting {
    public var farmsPatches: Bool { request.solver == .patches }
    public func patchModel(realization r: Int) throws -> DisorderedModel { try spec.model(realization: r) }
    public var patchEngine: ShiftInvertOptions {
        var o = request.engine
        o.progress = nil
        return o
    }
    public func farmingPatches(_ mode: PatchUnits.Mode?) -> SpectrumStudy {
        var s = self
        s.patchUnits = mode
        return s
    }
}
