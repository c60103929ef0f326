@testable import FermiGlassInteracting
import FermiGlassModel
import Testing

/// The simplex minimizer behind energy-DIIS, against exhaustive sampling of the simplex.
@Suite struct EnergyDIISTests {
    /// Seeded uniform numbers in [-1, 1).
    struct Stream {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    static func value(_ g: [Double], _ q: [[Double]], _ c: [Double]) -> Double {
        var f = 0.0
        for j in 0..<g.count {
            f += g[j] * c[j]
            for k in 0..<g.count { f += c[j] * q[j][k] * c[k] }
        }
        return f
    }

    /// Every point of the simplex with coordinates i/steps, recursively.
    static func grid(_ m: Int, steps: Int) -> [[Double]] {
        func rec(_ left: Int, _ dims: Int) -> [[Int]] {
            if dims == 1 { return [[left]] }
            return (0...left).flatMap { k in rec(left - k, dims - 1).map { [k] + $0 } }
        }
        return rec(steps, m).map { $0.map { Double($0) / Double(steps) } }
    }

    /// Random linear terms and symmetric quadratic forms, positive definite, indefinite and
    /// negative definite (the minimum then sits on a vertex or an edge): the minimizer is
    /// feasible, reports the value of its weights, and is not above any grid point (grid
    /// spacing 1/40, m = 2..4; 1/12 for m = 5).
    @Test(arguments: [2, 3, 4, 5])
    func globalMinimumOverTheSimplex(m: Int) {
        var rng = Stream(state: UInt64(17 + m))
        let points = Self.grid(m, steps: m == 5 ? 12 : 40)
        for trial in 0..<30 {
            let g = (0..<m).map { _ in rng.next() }
            var q = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
            for j in 0..<m { for k in j..<m { let v = rng.next(); q[j][k] = v; q[k][j] = v } }
            let shift = [0.0, 3.0, -3.0][trial % 3]
            for j in 0..<m { q[j][j] += shift }
            let (c, f) = EnergyDIIS.minimizeOnSimplex(linear: g, quadratic: q)
            #expect(c.allSatisfy { $0 >= 0 })
            #expect(abs(c.reduce(0, +) - 1) < 1e-12)
            #expect(abs(f - Self.value(g, q, c)) < 1e-12)
            let sampled = points.map { Self.value(g, q, $0) }.min()!
            #expect(f <= sampled + 1e-12, "trial \(trial): \(f) above the grid's \(sampled)")
        }
    }

    /// With two states the minimum over the segment is the optimal-damping line search:
    /// E(l) = E_0 + c1 l + c2 l^2 minimized on [0, 1], checked on cases with an interior
    /// minimum, a minimum at each end, and a concave parabola.
    @Test func twoStatesReduceToTheDampingLineSearch() {
        for (c1, c2) in [(-1.0, 2.0), (-5.0, 1.0), (1.0, 1.0), (-0.5, -1.0), (0.2, -0.1)] {
            // States 0 (l = 1, the output) and 1 (l = 0, the reference): f = c1 w0 + c2 w0^2.
            let (w, f) = EnergyDIIS.minimizeOnSimplex(linear: [c1, 0], quadratic: [[c2, 0], [0, 0]])
            let lambda: Double = c2 > 0 ? min(1, max(0, -c1 / (2 * c2))) : (c1 + c2 < 0 ? 1 : 0)
            #expect(abs(w[0] - lambda) < 1e-14)
            #expect(abs(f - (c1 * lambda + c2 * lambda * lambda)) < 1e-14)
        }
    }

    /// The history step: the returned state is the weighted combination, its energy is
    /// K + U B(x, x), and it is not above the current state or any stored output.
    @Test func historyStepNeverRisesAboveItsStates() {
        var rng = Stream(state: 5)
        let n = 12
        let u = 1.7
        let bilinear: ([Double], [Double]) -> Double = { a, b in
            var e = 0.0
            for i in 0..<n { e += a[i] * b[n + i] + b[i] * a[n + i] }
            return u * 0.5 * e
        }
        var h = EnergyDIIS.History(capacity: 4)
        var current: (x: [Double], kinetic: Double)? = nil
        var energy = Double.infinity
        for _ in 0..<10 {
            let out = (0..<(2 * n)).map { _ in 0.5 + 0.4 * rng.next() }
            let k = -10 + rng.next()
            let s = h.step(current: current, output: out, outputKinetic: k, bilinear: bilinear)
            #expect(abs(s.energy - (s.kinetic + bilinear(s.x, s.x))) < 1e-12)
            #expect(s.energy <= energy + 1e-12)
            #expect(s.energy <= k + bilinear(out, out) + 1e-12)
            var x = [Double](repeating: 0, count: 2 * n)
            let set = h.states + (current.map { [$0] } ?? [])
            for (j, st) in set.enumerated() { for i in 0..<(2 * n) { x[i] += s.weights[j] * st.x[i] } }
            #expect(zip(x, s.x).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(h.states.count <= 4)
            energy = s.energy
            current = (s.x, s.kinetic)
        }
    }
}
