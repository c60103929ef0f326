import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// A study whose units solve windows with the patch solver (`--solver patches`): with
/// `--jobs N` worker processes or MPI ranks, the runner runs its units (realizations) here,
/// one after another, and hands the patches of every pass out instead (``PatchUnits``): a
/// 10^6-site window is hundreds of independent patches, a study rarely has more than a few
/// realizations of that size.
public protocol PatchUnitHosting: Study {
    /// True when the units solve with the patch solver.
    var farmsPatches: Bool { get }
    /// The model of realization `r`: a worker rebuilds it from the study's parameters; the
    /// plan's fingerprint then checks that it is the model the plan was made for.
    func patchModel(realization r: Int) throws -> DisorderedModel
    /// The Krylov settings of the patch solves (not coded in a ``PatchPlan``: a worker takes
    /// them from the study it rebuilt from the same command line).
    var patchEngine: ShiftInvertOptions { get }
    /// The study with its patch solves handed to `mode` (nil: in this process).
    func farmingPatches(_ mode: PatchUnits.Mode?) -> Self
}

/// Patches as units of work over `--jobs` worker processes and MPI ranks: the
/// ``PatchExecutor``s of the Studies layer.
///
/// `--jobs N`: each pass's unfinished patches are cut into batches of consecutive patches
/// (about 8 per worker, at most 16 patches each, so that a worker process's start-up, which
/// rebuilds the model and H, is spread over several patches); the plan goes to the workers as
/// a file (``Job``, binary property list) in a private temporary directory, named by the
/// hidden option `--worker-patch-job`; each worker hands back its batch's records exactly
/// (``PatchRecord/encoded()``). MPI: see ``MPIPatchExecutor``. Either way the patch driver
/// combines the records after the pass, in patch-index order: the output is byte-identical
/// whatever the number of workers or ranks.
public enum PatchUnits {
    /// Where the patches go.
    public enum Mode: Sendable {
        /// `jobs` worker processes started by `launcher` (the run's own command line).
        case workers(jobs: Int, launcher: WorkerLauncher)
        /// The other ranks of the MPI job.
        case mpi(ranks: Int)
    }

    /// The hidden option that names a worker's job file.
    public static let jobOption = "--worker-patch-job"

    /// What a `--jobs` worker needs to solve its batch: the realization (to rebuild the
    /// model), the plan and the batches of patch indices.
    public struct Job: Codable, Sendable {
        public var realization: Int
        public var plan: PatchPlan
        public var batches: [[Int]]
    }

    /// The executor of `mode` for the solves of realization `r`.
    public static func executor(_ mode: Mode, realization r: Int) -> any PatchExecutor {
        switch mode {
        case .workers(let jobs, let launcher): return WorkerPatchExecutor(realization: r, jobs: jobs, launcher: launcher)
        case .mpi(let ranks): return MPIPatchExecutor(realization: r, ranks: ranks)
        }
    }

    /// The runner's path for a study that farms its patches out (``StudyRunner/forEachRecord(of:_:)``):
    /// its units here, in order, their patches on the runner's workers or the MPI ranks.
    /// Returns false (nothing done) when the study does not use patches or there are no
    /// workers.
    static func forEachRecord<S: Study>(of study: S, runner: StudyRunner, _ body: (Int, S.Record) throws -> Void) throws -> Bool {
        guard let host = study as? any PatchUnitHosting, host.farmsPatches else { return false }
        let mode: Mode
        if MPIStudyExecutor.hasWorkers, let ranks = MPIStudyExecutor.ranks {
            try MPIPatchExecutor.start(ranks: ranks)
            mode = .mpi(ranks: ranks)
        } else if runner.usesWorkers, let launcher = runner.launcher {
            mode = .workers(jobs: runner.jobs, launcher: launcher)
        } else {
            return false
        }
        guard let farmed = host.farmingPatches(mode) as? S else { return false }
        let units = farmed.units
        let clock = StudyProgress.Clock(total: units.count, kind: farmed.unitKind)
        for unit in units {
            let record = try StudyRecordCoding.roundTrip(farmed.record(for: unit))
            runner.progress?(clock.finished(unit: unit, description: farmed.describe(unit: unit)))
            try body(unit, record)
        }
        return true
    }

    /// A `--jobs` worker process given `--worker-patch-job`: solves batch `unit` of the job in
    /// `jobFile` for `study` (rebuilt from the run's command line) and writes the record to
    /// `path` (``StudyWorker/serve(_:unit:to:failure:)``). Returns the worker's exit code.
    public static func serveWorker<S: Study>(_ study: S, jobFile: String, unit: Int, to path: String,
                                             failure: (Error) -> (message: String, exitCode: Int32)) throws -> Int32 {
        let batch: PatchBatchStudy
        do {
            guard let host = study as? any PatchUnitHosting else {
                throw SolverError.invalidArgument("\(jobOption) given to a command that does not solve patches")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: jobFile))
            let job = try StudyRecordCoding.decode(Job.self, from: data)
            batch = PatchBatchStudy(job: job, model: try host.patchModel(realization: job.realization), engine: host.patchEngine)
        } catch {
            let f = failure(error)
            try StudyRecordCoding.encode(StudyWorker.Envelope<PatchBatchStudy.Record>(unit: unit, record: nil, failure: f.message, exitCode: f.exitCode == 0 ? 1 : f.exitCode))
                .write(to: URL(fileURLWithPath: path), options: .atomic)
            return f.exitCode == 0 ? 1 : f.exitCode
        }
        return try StudyWorker.serve(batch, unit: unit, to: path, failure: failure)
    }

    /// Consecutive batches of `patches`: about 8 per job, at most 16 patches each.
    static func batches(_ patches: [Int], jobs: Int) -> [[Int]] {
        let size = min(16, max(1, (patches.count + 8 * jobs - 1) / (8 * jobs)))
        return stride(from: 0, to: patches.count, by: size).map { Array(patches[$0..<min(patches.count, $0 + size)]) }
    }
}

/// One pass's patches as a study: unit b is batch b of the job, its record the batch's patch
/// records, exactly (``PatchRecord/encoded()``).
struct PatchBatchStudy: Study {
    let job: PatchUnits.Job
    let model: DisorderedModel
    let engine: ShiftInvertOptions

    struct Record: Codable, Sendable {
        var records: [Data]
    }

    var units: [Int] { Array(job.batches.indices) }
    var unitKind: String { "patch batch" }

    func describe(unit b: Int) -> String {
        let p = job.batches[b]
        return p.count == 1 ? "patch \(p[0]) of pass \(job.plan.pass)" : "patches \(p.first!)...\(p.last!) of pass \(job.plan.pass)"
    }

    func record(for b: Int) throws -> Record {
        var plan = job.plan
        plan.engine = engine
        var algebra = LocalAlgebra(h: model.hamiltonian(), lattice: model.lattice)
        return Record(records: try job.batches[b].map { try plan.record(patch: $0, model: model, algebra: &algebra).encoded() })
    }

    func aggregate(_ records: [Record]) throws -> [Record] { records }
}

/// `--jobs N`: a pass's patches over N worker processes of this executable.
struct WorkerPatchExecutor: PatchExecutor {
    let realization: Int
    let jobs: Int
    let launcher: WorkerLauncher

    var label: String { "\(jobs) worker processes (--jobs \(jobs))" }

    func solve(_ plan: PatchPlan, patches: [Int], model: DisorderedModel, finished: (PatchRecord) throws -> Void) throws {
        let job = PatchUnits.Job(realization: realization, plan: plan, batches: PatchUnits.batches(patches, jobs: jobs))
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fermiglass-patches-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("job.plist")
        try StudyRecordCoding.encode(job).write(to: file, options: .atomic)
        var l = launcher
        l.arguments += [PatchUnits.jobOption, file.path]
        let study = PatchBatchStudy(job: job, model: model, engine: plan.engine)
        try StudyRunner(jobs: jobs, launcher: l).forEachRecord(of: study) { _, batch in
            for data in batch.records { try finished(PatchRecord.decode(data, lattice: model.lattice)) }
        }
    }
}
