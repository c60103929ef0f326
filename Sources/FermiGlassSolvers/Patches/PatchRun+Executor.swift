import FermiGlassModel
#if canImport(Glibc)
import Glibc
#endif

extension PatchRun {
    /// A pass whose patches an executor solves (``PatchExecutor``): the patches finished in
    /// the checkpoint are taken from it, the others handed to the executor at once; each
    /// record is checked against the plan, checkpointed as it arrives and put in its slot, so
    /// that the caller combines them in patch-index order after the pass.
    mutating func passOnExecutor(_ executor: any PatchExecutor, plan: PatchPlan, records: inout [PatchRecord?],
                                 phase: String) throws {
        var missing = [Int]()
        for p in records.indices {
            if let r = checkpoint?.record(plan: plan, patch: p) {
                records[p] = r
                report.resumedPatches += 1
            } else {
                missing.append(p)
            }
        }
        var done = records.count - missing.count
        if done > 0 { request.engine.progress?.report(phase, done, records.count) }
        if !diagnostics.notes.contains(where: { $0.0 == "patch_executor" }) {
            diagnostics.notes.append(("patch_executor", "patches solved by \(executor.label)"))
        }
        guard !missing.isEmpty else { return }
        let digest = plan.digest
        var slots = records
        try executor.solve(plan, patches: missing, model: model) { r in
            guard r.plan == digest, r.pass == plan.pass, slots.indices.contains(r.patch), slots[r.patch] == nil else {
                throw SolverError.invalidArgument("\(executor.label) handed back a record of patch \(r.patch), pass \(r.pass) that this pass did not ask for")
            }
            try finished(r)
            slots[r.patch] = r
            done += 1
            request.engine.progress?.report(phase, done, slots.count)
        }
        if let p = slots.firstIndex(where: { $0 == nil }) {
            throw SolverError.invalidArgument("\(executor.label) ended the pass without the record of patch \(p)")
        }
        records = slots
    }

    /// A patch solved in this run (not read back): checkpointed, counted, and the test hooks
    /// that stop or kill the run after k patches.
    mutating func finished(_ r: PatchRecord) throws {
        if let k = options.stopAfterPatches, solvedHere >= k {
            throw SolverError.invalidArgument("stopped after \(k) patches (test hook)")
        }
        try checkpoint?.append(r)
        solvedHere += 1
        if let k = options.killAfterPatches, solvedHere >= k { raise(SIGKILL) }
    }
}
