import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassTestSupport
import Foundation
import Testing

/// The paramagnetic reference of Appendix A where no aufbau paramagnet exists: the lowest
/// paramagnetic state with fractional occupation at E_F, and Pi of fractional occupations.
@Suite struct HartreeFockFractionalParamagnetTests {
    /// Four decoupled sites with energies (-5, 0, Delta, 5) and N = 4 at U = 2, Delta = 0.5: no
    /// aufbau paramagnet exists (filling site 1 puts site 2 below it and vice versa). The
    /// lowest paramagnetic state fills site 0 and shares one particle per spin between sites 1
    /// and 2: minimizing 2 (0 n1 + Delta n2) + U (n1^2 + n2^2) with n1 + n2 = 1 gives
    /// n1 - n2 = Delta / U, both levels at E_F pinned together, E = -10 + 2 Delta n2 + U (1 + n1^2 + n2^2).
    /// The block is those two levels with occupations (n1, n2); lambda has no Stoner meaning.
    @Test func twoLevelsPinnedAtTheFermiLevelHaveTheClosedForm() throws {
        let eps = [-5.0, 0, 0.5, 5], u = 2.0, delta = 0.5
        let h0 = CSRMatrix(rowCount: 4, columnCount: 4, rowPointers: [0, 1, 2, 3, 4], columnIndices: [0, 1, 2, 3], values: eps)
        let fp = try HartreeFock.fractionalParamagnet(h0: h0, particles: 4, U: u)
        let n1 = (1 + delta / u) / 2, n2 = 1 - n1
        let exact = -10 + 2 * delta * n2 + u * (1 + n1 * n1 + n2 * n2)
        #expect(fp.converged)
        #expect(abs(fp.energy - exact) < 1e-10, "E = \(fp.energy), closed form \(exact)")
        #expect(abs(fp.density[1] - n1) < 1e-6 && abs(fp.density[2] - n2) < 1e-6 && abs(fp.density[0] - 1) < 1e-12)
        #expect(!fp.isAufbau)
        #expect(fp.block.levels == 1..<3)
        #expect(fp.blockOccupations.count == 2)
        #expect(abs(fp.blockOccupations[0] - n1) < 1e-5 && abs(fp.blockOccupations[1] - n2) < 1e-5)
        #expect(abs(fp.block.energies[0] - fp.block.energies[1]) <= fp.delta)
        // Every determinant (integer occupations) is higher: the best one fills site 1.
        #expect(fp.energy < -10 + u * 2 - 1e-3)
    }

    /// Where the aufbau paramagnet exists (6 x 6, W = 9, U = 0.5), the fractional minimizer is
    /// it: the same energy and density as the paramagnetic HF solution, no block, and the Pi
    /// of its occupations has the same largest eigenvalue as the aufbau Pi.
    @Test func anAufbauParamagnetIsTheFractionalMinimum() throws {
        let h0 = try Fixtures.model(6, t2: 0.6, w: 9).hamiltonian()
        var o = HartreeFockOptions(U: 0.5, mode: .paramagnetic)
        o.densityTolerance = 1e-11
        o.stability = false
        let hf = try HartreeFock.solve(h0: h0, particles: 30, options: o)
        #expect(hf.up.aufbauViolations == 0)
        let fp = try HartreeFock.fractionalParamagnet(h0: h0, particles: 30, U: 0.5)
        #expect(fp.isAufbau)
        #expect(abs(fp.energy - hf.energy) < 1e-8 * abs(hf.energy), "fractional \(fp.energy), aufbau \(hf.energy)")
        for i in 0..<36 { #expect(abs(fp.density[i] - hf.up.density[i]) < 1e-5) }
        let a = try LinearStability.largestEigenvalues(of: try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: 15))
        let b = try LinearStability.largestEigenvalues(of: try SusceptibilityOperator(orbitals: fp.orbitals, occupations: fp.occupations,
                                                                                      minimumGap: fp.delta))
        #expect(abs(a.eigenvalues[0] - b.eigenvalues[0]) < 1e-5 * a.eigenvalues[0])
    }

    /// Pi of fractional occupations (H0's orbitals on 6 x 6, 14 levels full, then 0.8, 0.5, 0.5,
    /// 0.2, the rest empty) equals the Lindhard sum written out over unordered pairs, 2 (f_a -
    /// f_b) / (E_b - E_a) v v^T for E_b > E_a; it is positive semi-definite; with 0/1
    /// occupations it is the aufbau operator.
    @Test func theFractionalLindhardSumMatchesItsDefinition() throws {
        let h0 = try Fixtures.model(6, t2: 0.6, w: 9).hamiltonian()
        let pairs = try DenseEigensolver.solve(h0, selection: .all, vectors: true)
        let n = 36
        var f = [Double](repeating: 0, count: n)
        for a in 0..<14 { f[a] = 1 }
        f[14] = 0.8; f[15] = 0.5; f[16] = 0.5; f[17] = 0.2
        let op = try SusceptibilityOperator(orbitals: pairs, occupations: f, minimumGap: 1e-9)
        var pi = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in (a + 1)..<n where f[a] != f[b] {
                let w = 2 * (f[a] - f[b]) / (pairs.values[b] - pairs.values[a])
                for i in 0..<n { for j in 0..<n { pi[i + j * n] += w * pairs.component(i, of: a) * pairs.component(i, of: b) * pairs.component(j, of: a) * pairs.component(j, of: b) } }
            }
        }
        let dense = op.dense()
        let scale = pi.map { abs($0) }.max()!
        for k in 0..<(n * n) { #expect(abs(dense[k] - pi[k]) < 1e-12 * scale) }
        var m = dense
        #expect(try DenseEigensolver.symmetric(&m, dimension: n, vectors: false).first! > -1e-12 * scale)
        var g = [Double](repeating: 0, count: n)
        for a in 0..<15 { g[a] = 1 }
        let integer = try SusceptibilityOperator(orbitals: pairs, occupations: g, minimumGap: 1e-9).dense()
        let aufbau = try SusceptibilityOperator(orbitals: pairs, occupied: 15).dense()
        for k in 0..<(n * n) { #expect(abs(integer[k] - aufbau[k]) < 1e-12 * scale) }
    }
}
