import Foundation
import Testing
import FermiGlassTestSupport
import FermiGlassModel
@testable import FermiGlassSolvers

/// Patches as independent units: a run stopped after some patches (as a killed run, with a
/// torn record at the end of the file) resumes from its checkpoint and gives the bits of an
/// uninterrupted run; overlaps on rectangle intersections equal the dot product of the dense
/// columns; `auto` picks the patches exactly where the cost table says they are cheaper.
@Suite struct PatchCheckpointTests {
    static func temporaryDirectory() -> String {
        let d = NSTemporaryDirectory() + "fermiglass-patch-checkpoint-\(UUID().uuidString)"
        return d
    }

    @Test(.slow, .tags(.slow)) func stoppedRunResumesWithTheSameStates() throws {
        let m = try PatchSolverTests.model(40, w: 40)
        let h = m.hamiltonian()
        // The pilot's layout (halo and interior chosen by the run: saved for the resume too).
        let whole = try Eigensolver.solve(h, PatchSolverTests.request(m, .energy(0.8)))
        try PatchSolverTests.checkPlan(whole.patches)
        #expect(whole.diagnostics.certified, "\(whole.diagnostics.notes)")
        let patches = try #require(whole.patches?.layout).count

        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = PatchOptions(checkpoint: dir)
        options.stopAfterPatches = 4
        #expect(throws: SolverError.self) { try Eigensolver.solve(h, PatchSolverTests.request(m, .energy(0.8), options)) }
        // A torn record at the end, as a kill in the middle of a write leaves it.
        let file = dir + "/patches.bin"
        let size = try #require((FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue)
        #expect(size > 0 && size % 8 == 0)
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([UInt8](repeating: 0x46, count: 8)) + Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))
        try handle.close()

        options.stopAfterPatches = nil
        let resumed = try Eigensolver.solve(h, PatchSolverTests.request(m, .energy(0.8), options))
        try PatchSolverTests.checkPlan(resumed.patches)
        let report = try #require(resumed.patches)
        #expect(report.resumedPatches == 4)
        #expect(report.layout == whole.patches?.layout)
        #expect(resumed.diagnostics.certified)
        // The same states (bit-identical across processes: PatchCheckpointCLITests; in this
        // process other tests share OpenBLAS's threads, which may change the last bits).
        try Self.expectSame(resumed, whole)
        // The torn tail was cut off and the rest of pass 1 appended: a third run solves nothing.
        let third = try Eigensolver.solve(h, PatchSolverTests.request(m, .energy(0.8), options))
        #expect(third.patches?.resumedPatches ?? 0 >= patches)
        try Self.expectSame(third, resumed)
    }

    static func expectSame(_ a: EigenSolution, _ b: EigenSolution) throws {
        let x = try #require(a.local), y = try #require(b.local)
        #expect(x.count == y.count && x.firstLevel == y.firstLevel)
        for k in 0..<min(x.count, y.count) { #expect(abs(x.values[k] - y.values[k]) <= 1e-12) }
        let (p1, i1, d1) = x.compressedColumns(), (p0, i0, d0) = y.compressedColumns()
        #expect(p1 == p0 && i1 == i0 && d1.count == d0.count)
        #expect(zip(d1, d0).allSatisfy { abs(abs($0) - abs($1)) <= 1e-9 })
    }

    /// A patch record is a function of (plan, patch index): the same bits twice, in any order.
    @Test func patchRecordIsAFunctionOfPlanAndIndex() throws {
        let m = try PatchSolverTests.model(40, w: 40)
        let layout = try PatchLayout(lattice: m.lattice, interior: 8, halo: 6)
        #expect(layout.count >= 9 && !layout.anyPatchWraps)
        let plan = PatchPlan(modelFingerprint: m.patchFingerprint, layout: layout, pass: 1, lower: -1.5, upper: -0.5,
                             budget: 1e-14, tieTolerance: 1e-3, denseLimit: 500)
        var algebra = LocalAlgebra(h: m.hamiltonian(), lattice: m.lattice)
        let a = try plan.record(patch: 7, model: m, algebra: &algebra)
        _ = try plan.record(patch: 3, model: m, algebra: &algebra)
        let b = try plan.record(patch: 7, model: m, algebra: &algebra)
        #expect(!a.states.isEmpty)
        #expect(a.states.map(\.value.bitPattern) == b.states.map(\.value.bitPattern))
        #expect(a.states.flatMap(\.amplitudes).map(\.bitPattern) == b.states.flatMap(\.amplitudes).map(\.bitPattern))
        // Every kept state's maximum lies in patch 7's interior (or ties with a site there).
        #expect(a.states.allSatisfy { !$0.owned || layout.owner(of: $0.maxSite) == 7 })
        // A plan for another model is refused.
        let other = try PatchSolverTests.model(40, w: 40, seed: 6)
        #expect(throws: SolverError.self) { try plan.record(patch: 0, model: other, algebra: &algebra) }
        // Codable: the record survives JSON (a child process's answer).
        let round = try JSONDecoder().decode(PatchRecord.self, from: JSONEncoder().encode(a))
        #expect(round.states.map(\.value) == a.states.map(\.value) && round.patch == 7)
    }

    /// Overlaps on rectangle intersections against the dot product of the dense columns, for
    /// rectangles that wrap around a periodic lattice, cover a whole direction, or do not meet.
    @Test(arguments: [Boundary.periodic, .open])
    func rectangleOverlapEqualsTheDenseDotProduct(boundary: Boundary) throws {
        let lattice = try Lattice(lx: 13, ly: 11, boundaryX: boundary, boundaryY: boundary)
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for x0 in stride(from: 0, to: 13, by: 3) {
            for w in [1, 4, 9, 13] {
                for y0 in stride(from: 0, to: 11, by: 4) {
                    for h in [2, 7, 11] {
                        guard let a = try? lattice.region(x0: x0, y0: y0, width: w, height: h) else { continue }
                        guard let b = try? lattice.region(x0: (x0 * 7 + 5) % 13, y0: (y0 * 5 + 3) % 11, width: 14 - w, height: 12 - h) else { continue }
                        let va = (0..<a.siteCount).map { _ in Double.random(in: -1...1, using: &rng) }
                        let vb = (0..<b.siteCount).map { _ in Double.random(in: -1...1, using: &rng) }
                        var da = [Double](repeating: 0, count: lattice.siteCount), db = da
                        for k in 0..<a.siteCount { da[lattice.globalSite(k, in: a)] = va[k] }
                        for k in 0..<b.siteCount { db[lattice.globalSite(k, in: b)] = vb[k] }
                        let exact = zip(da, db).reduce(0) { $0 + $1.0 * $1.1 }
                        let fast = RectangleOverlap.overlap(lattice, a, va, b, vb)
                        #expect(abs(fast - exact) <= 1e-12, "\(a) \(b)")
                        #expect((fast == 0) || lattice.intersects(a, b))
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 20)
    }

    /// `auto` follows the cost table: patches for a wide window on a large strongly disordered
    /// lattice, the global engine for a few states, weak disorder, or a lattice the halo does
    /// not fit; and the table's two estimates are what decided.
    @Test func autoChoosesByTheCostTable() throws {
        func request(_ l: Int, w: Double, _ window: FermiWindow) throws -> EigenRequest {
            let lattice = try Lattice(lx: l, ly: l)
            let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: w),
                                        onsiteEnergies: [Double](repeating: 0, count: l * l))
            return EigenRequest(solver: .auto, selection: .fermiWindow(fermiIndex: l * l * 5 / 6, window: window), model: m)
        }
        // 2000 x 2000, W = 9, energy:0.02: the global engine is hopeless (V^1.5 per state).
        let big = try request(2000, w: 9, .energy(0.02))
        #expect(Eigensolver.resolve(big, sites: 4_000_000) == .patches)
        // Weak disorder: never patches.
        #expect(Eigensolver.resolve(try request(2000, w: 6, .energy(0.02)), sites: 4_000_000) == .shiftInvert)
        // A level window stays global (its cut is not certified on near-degenerate levels).
        #expect(Eigensolver.resolve(try request(2000, w: 9, .levels(100)), sites: 4_000_000) == .shiftInvert)
        // Small lattice: the halo exceeds a third of the side.
        #expect(Eigensolver.resolve(try request(200, w: 9, .energy(0.05)), sites: 40_000) == .shiftInvert)
        // Tiny lattice: the dense size rule.
        #expect(Eigensolver.resolve(try request(20, w: 12, .energy(0.5)), sites: 400) == .dense)
        // An explicit choice is never overridden.
        var explicit = big
        explicit.solver = .shiftInvert
        #expect(Eigensolver.resolve(explicit, sites: 4_000_000) == .shiftInvert)
        // The decision is the comparison of the two estimates, on both sides of the crossover.
        for l in [400, 600, 800, 1000, 1400] {
            let r = try request(l, w: 9, .energy(0.05))
            let n = l * l, states = Int(0.1 * PatchCostModel.density(disorder: 9) * Double(n))
            let scale = 4 + 4 * 0.6 + 4.5
            let p = PatchCostModel.patchSeconds(states: states, lattice: r.model!.lattice, disorder: 9, tolerance: 1e-6, scale: scale)
            let g = PatchCostModel.globalSeconds(states: states, sites: n)
            #expect(Eigensolver.resolve(r, sites: n) == ((p.map { $0 < g } ?? false) ? .patches : .shiftInvert))
        }
    }

    /// One table, one row per command pipeline: each row's dense limit is where `auto` switches
    /// (inclusive below, sparse above), the whole spectrum is always dense, the eigenpairs
    /// pipeline is the one `Eigensolver.resolve` applies, and the ground-state row never picks
    /// the patches even where the eigenpairs row does.
    @Test func autoSolverTableHasOneRowPerPipeline() throws {
        #expect(Set(AutoSolverTable.rows.map(\.pipeline)) == Set(AutoSolverTable.Pipeline.allCases))
        #expect(AutoSolverTable.rows.count == AutoSolverTable.Pipeline.allCases.count)
        let window = StateSelection.fermiWindow(fermiIndex: 0, window: .levels(10))
        for row in AutoSolverTable.rows {
            let limit = row.denseUpToSites
            #expect(AutoSolverTable.choice(row.pipeline, sites: limit, selection: window) == .dense)
            #expect(AutoSolverTable.choice(row.pipeline, sites: limit + 1, selection: window) == .shiftInvert)
            #expect(AutoSolverTable.choice(row.pipeline, sites: 100 * limit, selection: .all) == .dense)
            // The size rule alone (no selection, no request) is the same switch.
            #expect(AutoSolverTable.choice(row.pipeline, sites: limit) == .dense)
            #expect(AutoSolverTable.choice(row.pipeline, sites: limit + 1) == .shiftInvert)
        }
        // Below the dense limit a request carrying its model stays dense: the table applies the
        // limit before the patch cost model (which no longer checks it itself).
        let small = try DisorderedModel(lattice: try Lattice(lx: 30, ly: 30), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 12),
                                        onsiteEnergies: [Double](repeating: 0, count: 900))
        let smallRequest = EigenRequest(solver: .auto, selection: .fermiWindow(fermiIndex: 375, window: .levels(10)), model: small)
        #expect(AutoSolverTable.choice(.eigenpairs, sites: 900, selection: smallRequest.selection, request: smallRequest) == .dense)
        #expect(AutoSolverTable.row(.groundState).denseUpToSites > AutoSolverTable.row(.eigenpairs).denseUpToSites)
        for n in [400, 1000, 1001, 2500, 2501, 10_000] {
            #expect(Eigensolver.resolve(.auto, sites: n, selection: window) == AutoSolverTable.choice(.eigenpairs, sites: n, selection: window))
        }
        let l = 2000
        let m = try DisorderedModel(lattice: try Lattice(lx: l, ly: l), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9),
                                    onsiteEnergies: [Double](repeating: 0, count: l * l))
        let big = EigenRequest(solver: .auto, selection: .fermiWindow(fermiIndex: l * l * 5 / 6, window: .energy(0.02)), model: m)
        #expect(AutoSolverTable.choice(.eigenpairs, sites: l * l, selection: big.selection, request: big) == .patches)
        #expect(AutoSolverTable.choice(.groundState, sites: l * l, selection: big.selection, request: big) == .shiftInvert)
    }
}
