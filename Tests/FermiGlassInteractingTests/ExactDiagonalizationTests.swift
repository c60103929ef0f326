import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Testing
@testable import FermiGlassInteracting

/// A small many-body exact diagonalization of the Hubbard model H0 + U sum_i n_i,up n_i,dn in
/// the Fock basis with fixed (N_up, N_dn): basis states are pairs of bit masks; modes are
/// ordered all-up before all-down, so a hop of one spin species picks up the sign
/// (-1)^(occupied sites of that species strictly between i and j).
func manyBodyGroundEnergy(h: [Double], sites n: Int, up nUp: Int, down nDn: Int, U: Double) throws -> Double {
    let ups = (0..<(1 << n)).filter { $0.nonzeroBitCount == nUp }
    let dns = (0..<(1 << n)).filter { $0.nonzeroBitCount == nDn }
    var upIndex = [Int: Int](), dnIndex = [Int: Int]()
    for (k, m) in ups.enumerated() { upIndex[m] = k }
    for (k, m) in dns.enumerated() { dnIndex[m] = k }
    let dim = ups.count * dns.count
    var rows = [[(Int, Double)]](repeating: [], count: dim)
    func hops(_ mask: Int) -> [(Int, Double)] {
        var out = [(Int, Double)]()
        for i in 0..<n {
            for j in 0..<n where i != j && h[i + j * n] != 0 && mask & (1 << j) != 0 && mask & (1 << i) == 0 {
                let lo = min(i, j), hi = max(i, j)
                let between = (mask & ((1 << hi) - 1) & ~((1 << (lo + 1)) - 1)).nonzeroBitCount
                out.append((mask ^ (1 << j) ^ (1 << i), between % 2 == 0 ? h[i + j * n] : -h[i + j * n]))
            }
        }
        return out
    }
    for (iu, mu) in ups.enumerated() {
        for (id, md) in dns.enumerated() {
            let row = iu * dns.count + id
            var diag = 0.0
            for i in 0..<n {
                if mu & (1 << i) != 0 { diag += h[i + i * n] }
                if md & (1 << i) != 0 { diag += h[i + i * n] }
                if mu & (1 << i) != 0 && md & (1 << i) != 0 { diag += U }
            }
            rows[row].append((row, diag))
            for (m2, v) in hops(mu) { rows[row].append((upIndex[m2]! * dns.count + id, v)) }
            for (m2, v) in hops(md) { rows[row].append((iu * dns.count + dnIndex[m2]!, v)) }
        }
    }
    var ptr = [0], cols = [Int32](), vals = [Double]()
    for r in rows {
        for (c, v) in r.sorted(by: { $0.0 < $1.0 }) { cols.append(Int32(c)); vals.append(v) }
        ptr.append(cols.count)
    }
    let csr = CSRMatrix(rowCount: dim, columnCount: dim, rowPointers: ptr, columnIndices: cols, values: vals)
    let e = try DenseEigensolver.solve(csr, selection: .levels(0..<1), vectors: false)
    return e.values[0]
}

@Suite("Weak-U limit against exact diagonalization")
struct ExactDiagonalizationTests {
    /// 8-site open 4 x 2 cluster, t1 = 1, t2 = 0.3, W = 2, N_up = N_dn = 2 (non-degenerate
    /// Fermi sea: the gap is asserted). Hellmann-Feynman at U = 0: dE0/dU = <FS| sum_i n_i,up
    /// n_i,dn |FS> = sum_ac chi_ac n0_a n0_c; compared with a central finite difference of the
    /// many-body ground energy, and with E1 of the Fermi sea from the problem with and without a
    /// frozen core.
    @Test func hellmannFeynmanSlope() throws {
        let lattice = try Lattice(lx: 4, ly: 2, boundary: .open)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.3, disorderStrength: 2, mu: 0),
                                    seed: 17, realization: 0)
        let h = m.hamiltonian()
        let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        #expect(pairs.values[2] - pairs.values[1] > 0.05, "the test needs a non-degenerate Fermi sea")
        let dense = h.dense()
        let e0 = try manyBodyGroundEnergy(h: dense, sites: 8, up: 2, down: 2, U: 0)
        #expect(abs(e0 - 2 * (pairs.values[0] + pairs.values[1])) < 1e-10)
        let delta = 1e-4
        let ep = try manyBodyGroundEnergy(h: dense, sites: 8, up: 2, down: 2, U: delta)
        let em = try manyBodyGroundEnergy(h: dense, sites: 8, up: 2, down: 2, U: -delta)
        let slope = (ep - em) / (2 * delta)
        let chi = Overlaps.chi(pairs)
        var expected = 0.0
        for a in 0..<2 { for c in 0..<2 { expected += chi[a + c * 8] } }
        #expect(abs(slope - expected) < 1e-6, "ED slope \(slope) vs sum chi n0 n0 = \(expected)")
        // The first-order problem reproduces the same slope, with all levels in the window or
        // with level 0 frozen in the core (window 1..<5).
        for window in [0..<8, 1..<5] {
            let p = try GroundStateProblem(pairs: pairs, window: window, totalParticles: 4)
            let s = (p.energy(p.fermiSea(), U: 1) - p.energy(p.fermiSea(), U: 0))
            #expect(abs(s - expected) < 1e-12)
            #expect(abs(p.energy(p.fermiSea(), U: 0) - e0) < 1e-10)
        }
    }
}

@Suite("Frozen core")
struct FrozenCoreTests {
    /// 16 x 16 lattice: E1 of random window configurations from the dense-core problem equals
    /// the direct evaluation of Eq. 13 over all 256 levels with the core doubly occupied.
    @Test func denseCoreMatchesAllStates() throws {
        let lattice = try Lattice(lx: 16, ly: 16, boundary: .periodic)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                                    seed: 3, realization: 1)
        let pairs = try DenseEigensolver.solve(m.hamiltonian(), selection: .all, vectors: true)
        let n = 256, total = 200, window = 90..<110
        let p = try GroundStateProblem(pairs: pairs, window: window, totalParticles: total)
        #expect(p.particles == 20 && p.firstLevel == 90)
        let chiAll = Overlaps.chi(pairs)
        var rng = SplitMix64(seed: 8)
        for u in [0.3, -1.1, 2.0] {
            for _ in 0..<5 {
                var o = p.fermiSea()
                var s = EnergyState(problem: p, U: u, chi: SparseOverlap(p), start: o)
                for _ in 0..<15 {
                    let occ = LocalSearchMinimizer.slots(s, occupied: true), emp = LocalSearchMinimizer.slots(s, occupied: false)
                    s.apply(from: occ[Int.random(in: 0..<occ.count, using: &rng)], to: emp[Int.random(in: 0..<emp.count, using: &rng)])
                }
                o = s.occupations
                var up = [Double](repeating: 0, count: n), dn = up
                for c in 0..<window.lowerBound { up[c] = 1; dn[c] = 1 }
                for a in 0..<p.count { up[window.lowerBound + a] = Double(o.up[a]); dn[window.lowerBound + a] = Double(o.dn[a]) }
                var direct = 0.0
                for a in 0..<n { direct += pairs.values[a] * (up[a] + dn[a]) }
                var inter = 0.0
                for a in 0..<n where up[a] == 1 { for c in 0..<n where dn[c] == 1 { inter += chiAll[a + c * n] } }
                direct += u * inter
                #expect(abs(p.energy(o, U: u) - direct) < 1e-10 * (1 + abs(direct)))
                #expect(abs(s.energy - direct) < 1e-10 * (1 + abs(direct)))
            }
        }
    }
}
