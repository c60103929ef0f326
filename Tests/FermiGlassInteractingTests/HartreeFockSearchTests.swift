import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import Foundation
import Testing

/// A start store in memory: what a search saved, and what it restored.
final class MemoryStartStore: HartreeFockStartStore {
    var records: [Int: HartreeFockStartRecord] = [:]
    /// Starts asked for and found (the search may still refuse a record of another problem).
    var restored: [Int] = []
    /// Starts saved, in order.
    var order: [Int] = []
    func load(start: Int) -> HartreeFockStartRecord? {
        guard let r = records[start] else { return nil }
        restored.append(start)
        return r
    }
    func save(_ record: HartreeFockStartRecord) throws {
        records[record.start] = record
        order.append(record.start)
    }
}

/// The free-mode search: its starts, its continuation in parts, the sweep in both directions.
@Suite struct HartreeFockSearchTests {
    /// 6 x 6, t2 = 0.6, W = 9, N = 30 (filling 5/6) at U = 3: several distinct minima.
    static func problem() throws -> (CSRMatrix, Int) {
        (try HartreeFockTests.model(6, t2: 0.6, w: 9).hamiltonian(), 30)
    }

    static func options(_ u: Double) -> HartreeFockOptions {
        var o = HartreeFockOptions(U: u, mode: .free)
        o.starts = 3
        o.susceptibilityStarts = 2
        o.firstOrderStarts = 2
        return o
    }

    /// A search killed after some of its starts and run again with the store it left ends on
    /// the same state as the uninterrupted search, bit for bit (energy, moments, kept start,
    /// distinct minima and the starts that reached each), without rerunning the finished
    /// starts; a store of another U is not used.
    @Test func aSearchResumedFromItsStartStoreEndsWhereTheWholeSearchEnds() throws {
        let (h0, particles) = try Self.problem()
        let full = MemoryStartStore()
        let whole = try HartreeFock.solve(h0: h0, particles: particles, options: Self.options(3), store: full)
        #expect(full.order.count == 7)   // 3 random, 2 Pi_0 modes, 2 first-order
        #expect(whole.minima.count >= 2, "the case should have several minima")
        for cut in [2, 5] {
            // The run killed while start `cut` was running: the store holds the earlier ones.
            let partial = MemoryStartStore()
            for s in full.order.prefix(cut) { partial.records[s] = full.records[s] }
            let resumed = try HartreeFock.solve(h0: h0, particles: particles, options: Self.options(3), store: partial)
            #expect(partial.restored == Array(full.order.prefix(cut)))
            #expect(partial.order == Array(full.order.suffix(from: cut)))
            #expect(resumed.energy == whole.energy)
            #expect(resumed.moments == whole.moments)
            #expect(resumed.start == whole.start)
            #expect(resumed.stability?.hessianMinEigenvalue == whole.stability?.hessianMinEigenvalue)
            #expect(resumed.minima.map { $0.energy } == whole.minima.map { $0.energy })
            #expect(resumed.minima.map { $0.starts } == whole.minima.map { $0.starts })
        }
        // The same store at another U: every start is run again (and saved).
        let other = MemoryStartStore()
        other.records = full.records
        _ = try HartreeFock.solve(h0: h0, particles: particles, options: Self.options(2.5), store: other)
        #expect(other.order == full.order)
    }

    /// The first-order start is the first-order ground state: its moment map is the one of
    /// `GroundStateObservables` for the same problem (window of the levels around E_F,
    /// default minimizer), each spin holds its particles, and the density lies in [0, 1].
    @Test func theFirstOrderStartCarriesTheFirstOrderMomentMap() throws {
        let (h0, particles) = try Self.problem()
        let o = Self.options(3)
        let x = try #require(try HartreeFock.firstOrderStartDensities(h0: h0, particles: particles, options: o, count: 1).first)
        let n = h0.rowCount
        let pairs = try DenseEigensolver.solve(h0, selection: .all, vectors: true)
        let window = 0..<30   // k = min(100, 15, 21) = 15 levels each side of level 15
        let gs = try GroundStateProblem(pairs: pairs, window: window, totalParticles: particles)
        let result = LocalSearchMinimizer(seed: o.seed).run(gs, U: 3)
        let obs = GroundStateObservables(problem: gs, result: result, U: 3)
        #expect(obs.polarized > 0, "U = 3 should polarize some levels at first order")
        for i in 0..<n { #expect(abs((x[i] - x[n + i]) - obs.moments[i]) < 1e-12) }
        let up = x[0..<n].reduce(0, +), dn = x[n...].reduce(0, +)
        #expect(abs(up + dn - Double(particles)) < 1e-9)
        #expect(abs((up - dn) - 2 * obs.totalSz) < 1e-9 || abs((dn - up) - 2 * obs.totalSz) < 1e-9)
        #expect(x.allSatisfy { $0 > -1e-12 && $0 < 1 + 1e-12 })
    }

    /// Up and back down: at every U the two-direction sweep is never above the upward sweep,
    /// its kept state is a minimum, and the start from the U above is among its starts.
    @Test func theSweepBackDownIsNeverAboveTheSweepUp() throws {
        let (h0, particles) = try Self.problem()
        var o = Self.options(2)
        o.starts = 1; o.susceptibilityStarts = 1; o.firstOrderStarts = 0
        let us = [2.0, 3.0, 4.0]
        let up = HartreeFock.sweep(h0: h0, particles: particles, us: us, template: o, bothDirections: false)
        let both = HartreeFock.sweep(h0: h0, particles: particles, us: us, template: o, bothDirections: true)
        for k in 0..<us.count {
            let a = try up[k].get(), b = try both[k].get()
            #expect(b.energy <= a.energy + 1e-12)
            #expect(try #require(b.stability).isMinimum)
            if k < us.count - 1 { #expect(b.runs.contains { $0.start == -2 }) }
        }
    }
}
