import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassTestSupport
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
@Suite(.slow, .tags(.slow)) struct HartreeFockSearchTests {
    /// 6 x 6, t2 = 0.6, W = 9, N = 30 (filling 5/6) at U = 3: several distinct minima.
    static func problem() throws -> (CSRMatrix, Int) {
        (try Fixtures.model(6, t2: 0.6, w: 9).hamiltonian(), 30)
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

/// rho(U^2 Pi_up Pi_dn) by Lanczos in the Pi_dn inner product against dense linear algebra,
/// and its meaning: below 1 exactly when the Hessian is positive definite (aufbau states).
@Suite struct StabilityRadiusTests {
    /// The largest eigenvalue of Pi_dn^(1/2) Pi_up Pi_dn^(1/2) (similar to Pi_up Pi_dn), dense.
    static func denseRadius(_ up: SusceptibilityOperator, _ down: SusceptibilityOperator) throws -> Double {
        let n = up.dimension
        var d = down.dense()
        let w = try DenseEigensolver.symmetric(&d, dimension: n, vectors: true)
        // S = V diag(sqrt(max(w, 0))) V^T.
        var s = [Double](repeating: 0, count: n * n)
        for k in 0..<n where w[k] > 0 {
            let r = w[k].squareRoot()
            for j in 0..<n { for i in 0..<n { s[i + j * n] += r * d[i + k * n] * d[j + k * n] } }
        }
        let p = up.dense()
        var ps = [Double](repeating: 0, count: n * n), m = ps
        for j in 0..<n { for k in 0..<n { let c = s[k + j * n]; for i in 0..<n { ps[i + j * n] += p[i + k * n] * c } } }
        for j in 0..<n { for k in 0..<n { let c = ps[k + j * n]; for i in 0..<n { m[i + j * n] += s[i + k * n] * c } } }
        return try DenseEigensolver.symmetric(&m, dimension: n, vectors: false).last!
    }

    @Test(.slow, .tags(.slow)) func theRadiusMatchesDenseAndTheHessianSign() throws {
        let (h0, particles) = try HartreeFockSearchTests.problem()
        var checked = 0, unstable = 0, stable = 0
        for (u, mode) in [(0.5, HartreeFockMode.paramagnetic), (3.0, .paramagnetic), (3.0, .free), (6.0, .free)] {
            var o = HartreeFockOptions(U: u, mode: mode)
            o.densityTolerance = 1e-11
            o.starts = 1; o.susceptibilityStarts = 1; o.firstOrderStarts = 1
            let r = try HartreeFock.solve(h0: h0, particles: particles, options: o)
            guard r.up.aufbauViolations == 0, r.down.aufbauViolations == 0, let rho = r.stabilityRadius else { continue }
            let up = try SusceptibilityOperator(orbitals: r.up.orbitals, occupied: r.up.occupied)
            let dn = try SusceptibilityOperator(orbitals: r.down.orbitals, occupied: r.down.occupied)
            let dense = u * u * (try Self.denseRadius(up, dn))
            #expect(abs(rho - dense) < 1e-8 * max(1, dense), "U = \(u) \(mode): Lanczos \(rho), dense \(dense)")
            if mode == .paramagnetic {
                let lambda = try LinearStability.largestEigenvalues(of: up).eigenvalues[0]
                #expect(abs(rho - (u * lambda) * (u * lambda)) < 1e-8 * max(1, rho))
            }
            let h = try #require(r.stability).hessianMinEigenvalue
            if abs(rho - 1) > 1e-3 { #expect((rho < 1) == (h > 0), "U = \(u) \(mode): rho \(rho), Hessian \(h)") }
            if rho > 1 { unstable += 1 } else { stable += 1 }
            checked += 1
        }
        #expect(checked >= 3 && unstable >= 1 && stable >= 1, "checked \(checked), stable \(stable), unstable \(unstable)")
    }
}
