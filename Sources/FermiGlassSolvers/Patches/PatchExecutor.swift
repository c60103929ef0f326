import Foundation
import FermiGlassModel

/// Where the patches of a pass are solved: the seam between the patch driver (``PatchBackend``:
/// window, pilot, passes, re-solves, certificate) and whatever computes the independent units
/// of a pass. The default (no executor on the ``EigenRequest``) solves them in this process in
/// index order; the Studies layer supplies executors over `--jobs` worker processes and MPI
/// ranks.
///
/// The contract that keeps the result independent of the executor: a record is
/// ``PatchPlan/record(patch:model:algebra:)`` of (plan, patch) alone, computed anywhere, and
/// handed back bit for bit (``PatchRecord/encoded()``); the driver combines the records only
/// after the pass has all of them, in patch-index order, so arrival order never matters.
public protocol PatchExecutor: Sendable {
    /// Solves `patches` (indices into `plan.layout`, ascending, none of them finished before)
    /// of `plan` on `model` (the model the plan names) and hands every record to `finished`
    /// on the calling thread, in any order, each exactly once; returns when all are handed
    /// over. A patch that fails throws (the pass stops).
    func solve(_ plan: PatchPlan, patches: [Int], model: DisorderedModel, finished: (PatchRecord) throws -> Void) throws

    /// What the executor is, for the solver's notes ("2 worker processes", "3 MPI ranks").
    var label: String { get }
}

extension PatchRecord {
    /// The record as little-endian 64-bit words, exactly as ``PatchCheckpoint`` stores it
    /// (doubles as bit patterns: a record read back gives the same bits), checksum included.
    public func encoded() -> Data {
        PatchCheckpoint.words(of: self).withUnsafeBytes { Data($0) }
    }

    /// The record of ``encoded()`` (`lattice`: the lattice its states live on); throws on a
    /// torn or corrupt record.
    public static func decode(_ data: Data, lattice: Lattice) throws -> PatchRecord {
        let r: (PatchRecord, Int)? = data.withUnsafeBytes { raw in
            PatchCheckpoint.decode(raw, from: 0, words: raw.count / 8, lattice: lattice)
        }
        guard let (record, used) = r, used * 8 == data.count else {
            throw SolverError.invalidArgument("a patch record of \(data.count) bytes is torn or corrupt (checksum or layout)")
        }
        return record
    }
}
