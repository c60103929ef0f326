import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// A pass's patches over the ranks of an MPI job (`mpirun -np P fermiglass spectrum --solver
/// patches ...`).
///
/// Rank 0 runs the patch driver: the global pieces (the E_F search and the inertia counts at
/// the window edges, the pilot patch), the re-solves, the Rayleigh-Ritz rotations and the
/// certificate, and writes. For each pass it sends the plan (``PatchPlan`` and the
/// realization, binary property list) to every other rank, then hands out patch indices one
/// at a time, the largest patches first (patches cut by an open edge are smaller), a rank
/// getting its next patch when it returns a record; the records come back exactly
/// (``PatchRecord/encoded()``) and the driver combines them after the pass in patch-index
/// order. The ranks rebuild the model from the study's parameters and realization once per
/// realization and check it against the plan's fingerprint.
///
/// The global pieces do not overlap the patch solves: the plan's energies are the window the
/// counts return (the E_F search fixes its centre, and each count may move an edge out of a
/// level), so pass 1 cannot start before them, and the final counts of a level window need the
/// states. Between passes the other ranks wait (sleeping between polls).
public struct MPIPatchExecutor: PatchExecutor {
    let realization: Int
    let ranks: Int

    public var label: String { "\(ranks - 1) MPI ranks (rank 0 of \(ranks) runs the driver)" }

    /// Message tags of the patch protocol (the study protocol uses 10-13).
    enum Tag: Int {
        /// rank 0 -> rank: the plan of a pass (``PlanMessage``).
        case plan = 40
        /// rank 0 -> rank: solve this patch (Int64 payload).
        case work = 41
        /// rank -> rank 0: a patch's ``Envelope``.
        case record = 42
    }

    struct PlanMessage: Codable {
        var realization: Int
        var plan: PatchPlan
    }

    struct Envelope: Codable {
        var patch: Int
        var record: Data?
        var failure: String?
        var exitCode: Int32
    }

    nonisolated(unsafe) private static var started = false

    /// Rank 0, once per job: tells the ranks waiting for the study (``MPIStudyExecutor/awaitStudy()``)
    /// to enter the patch loop (``serve(_:failure:)``).
    static func start(ranks: Int) throws {
        guard !started else { return }
        started = true
        for r in 1..<ranks { try MessagePassing.send([], to: r, tag: MPIStudyExecutor.Tag.serve.rawValue) }
    }

    public func solve(_ plan: PatchPlan, patches: [Int], model: DisorderedModel, finished: (PatchRecord) throws -> Void) throws {
        let message = Array(try StudyRecordCoding.encode(PlanMessage(realization: realization, plan: plan)))
        for r in 1..<ranks { try MessagePassing.send(message, to: r, tag: Tag.plan.rawValue) }
        let layout = plan.layout
        let size = Dictionary(uniqueKeysWithValues: patches.map { ($0, layout.patchRegion($0).siteCount) })
        var queue = Array(patches.sorted { size[$0]! != size[$1]! ? size[$0]! > size[$1]! : $0 < $1 }.reversed())  // popLast() takes the next
        var busy = [Int: Int]()  // rank -> patch
        var failure: (patch: Int, error: Error)?
        // Whatever stops the pass early, the busy ranks' records are taken in first, so that
        // no rank stays blocked sending one.
        defer {
            while !busy.isEmpty, let m = try? MessagePassing.receive() { busy.removeValue(forKey: m.source) }
        }
        func handOut(to rank: Int) throws {
            guard failure == nil, let p = queue.popLast() else { return }
            try MessagePassing.send(withUnsafeBytes(of: Int64(p).littleEndian) { Array($0) }, to: rank, tag: Tag.work.rawValue)
            busy[rank] = p
        }
        for r in 1..<ranks { try handOut(to: r) }
        while !busy.isEmpty {
            let m = try MessagePassing.receive()
            guard m.tag == Tag.record.rawValue, let p = busy.removeValue(forKey: m.source) else {
                throw MessagePassingError.mpi(call: "patch pass", code: -1, message: "unexpected message tag \(m.tag) from rank \(m.source)")
            }
            let envelope = try StudyRecordCoding.decode(Envelope.self, from: Data(m.bytes))
            if let data = envelope.record, envelope.patch == p {
                try finished(PatchRecord.decode(data, lattice: model.lattice))
            } else if failure == nil || p < failure!.patch {
                failure = (p, StudyRunnerError.workerFailed(unit: p, description: "patch \(p) of pass \(plan.pass)",
                                                            message: envelope.failure ?? "rank \(m.source) handed back no record",
                                                            exitCode: envelope.exitCode))
            }
            try handOut(to: m.source)
        }
        if let f = failure { throw f.error }
    }

    /// A worker rank of a study that farms its patches: solves the patches rank 0 hands out,
    /// for the plan it last sent, until rank 0 says stop; then throws ``MPIStopped`` with rank
    /// 0's exit code.
    public static func serve(_ host: any PatchUnitHosting, failure: (Error) -> (message: String, exitCode: Int32)) throws -> Never {
        var current: (plan: PatchPlan, model: DisorderedModel, algebra: LocalAlgebra)?
        var broken: Error?
        var models = [Int: DisorderedModel]()
        while true {
            let m = try MessagePassing.receive(from: 0)
            switch m.tag {
            case MPIStudyExecutor.Tag.stop.rawValue:
                let code = m.bytes.count == 4 ? Int32(littleEndian: m.bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) : 1
                throw MPIStopped(exitCode: code)
            case Tag.plan.rawValue:
                do {
                    let message = try StudyRecordCoding.decode(PlanMessage.self, from: Data(m.bytes))
                    var plan = message.plan
                    plan.engine = host.patchEngine
                    let model: DisorderedModel
                    if let known = models[message.realization] { model = known } else {
                        model = try host.patchModel(realization: message.realization)
                        models = [message.realization: model]
                    }
                    if current?.model.patchFingerprint == model.patchFingerprint, var c = current {
                        c.plan = plan
                        current = c
                    } else {
                        current = (plan, model, LocalAlgebra(h: model.hamiltonian(), lattice: model.lattice))
                    }
                    broken = nil
                } catch {
                    current = nil
                    broken = error
                }
            case Tag.work.rawValue where m.bytes.count == 8:
                let p = Int(Int64(littleEndian: m.bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
                var envelope: Envelope
                do {
                    if let broken { throw broken }
                    // Taken out while it works, so that the scratch vectors are not copied.
                    guard var c = current.take() else { throw SolverError.invalidArgument("patch \(p) asked for before any plan") }
                    defer { current = c }
                    let record = try c.plan.record(patch: p, model: c.model, algebra: &c.algebra)
                    envelope = Envelope(patch: p, record: record.encoded(), failure: nil, exitCode: 0)
                } catch {
                    let f = failure(error)
                    envelope = Envelope(patch: p, record: nil, failure: f.message, exitCode: f.exitCode == 0 ? 1 : f.exitCode)
                }
                try MessagePassing.send(Array(StudyRecordCoding.encode(envelope)), to: 0, tag: Tag.record.rawValue)
            default:
                throw MessagePassingError.mpi(call: "patch serve", code: -1, message: "unexpected message tag \(m.tag) from rank 0")
            }
        }
    }
}
