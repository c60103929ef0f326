import Foundation
import Testing
import FermiGlassTestSupport
import FermiGlassModel
@testable import FermiGlassSolvers

/// The executor seam of the patch driver: records computed elsewhere and handed back in any
/// order give the bits of the in-process run; a record the pass did not ask for, or a pass
/// left short, stops the solve with the reason.
@Suite struct PatchExecutorTests {
    /// Solves the patches in reverse order, each through the exact record coding (what a
    /// worker process or rank hands back); `tamper` may change the records handed back.
    struct Reversed: PatchExecutor {
        var tamper: (@Sendable ([PatchRecord]) -> [PatchRecord])?
        var label: String { "reversed test executor" }
        func solve(_ plan: PatchPlan, patches: [Int], model: DisorderedModel, finished: (PatchRecord) throws -> Void) throws {
            var algebra = LocalAlgebra(h: model.hamiltonian(), lattice: model.lattice)
            var records = try patches.reversed().map { try PatchRecord.decode(plan.record(patch: $0, model: model, algebra: &algebra).encoded(), lattice: model.lattice) }
            if let tamper { records = tamper(records) }
            for r in records { try finished(r) }
        }
    }

    /// 32 x 32, W = 40, halo 6, interior 8: 16 patches, none wrapping.
    static func request(_ m: DisorderedModel, executor: (any PatchExecutor)?) throws -> EigenRequest {
        var r = try PatchSolverTests.request(m, .energy(0.8), PatchOptions(halo: 6, interior: 8))
        r.patchExecutor = executor
        return r
    }

    @Test func reversedArrivalGivesTheSameBits() throws {
        let m = try PatchSolverTests.model(32, w: 40)
        let h = m.hamiltonian()
        let here = try Eigensolver.solve(h, Self.request(m, executor: nil))
        let there = try Eigensolver.solve(h, Self.request(m, executor: Reversed()))
        try PatchSolverTests.checkPlan(here.patches)
        #expect(here.pairs.count > 10)
        #expect(here.pairs.values.map(\.bitPattern) == there.pairs.values.map(\.bitPattern))
        let a = try #require(here.local), b = try #require(there.local)
        #expect(a.regions == b.regions)
        for s in 0..<a.count {
            #expect(a.withAmplitudes(of: s) { $0.map(\.bitPattern) } == b.withAmplitudes(of: s) { $0.map(\.bitPattern) })
        }
        #expect(here.diagnostics.certified == there.diagnostics.certified)
        #expect(there.diagnostics.notes.contains { $0.0 == "patch_executor" && $0.1.contains("reversed test executor") })
    }

    @Test func foreignOrMissingRecordsStopThePass() throws {
        let m = try PatchSolverTests.model(32, w: 40)
        let h = m.hamiltonian()
        let duplicate = Reversed(tamper: { $0 + [$0[0]] })
        #expect(throws: SolverError.invalidArgument("reversed test executor handed back a record of patch 15, pass 1 that this pass did not ask for")) {
            try Eigensolver.solve(h, Self.request(m, executor: duplicate))
        }
        let short = Reversed(tamper: { Array($0.dropLast()) })
        #expect(throws: SolverError.invalidArgument("reversed test executor ended the pass without the record of patch 0")) {
            try Eigensolver.solve(h, Self.request(m, executor: short))
        }
    }
}
