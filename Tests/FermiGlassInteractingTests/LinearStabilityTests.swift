import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassTestSupport
import Foundation
import Testing

/// Pi of Appendix A against the Lindhard function in k-space and against its dense form.
@Suite struct LinearStabilityTests {
    /// The per-spin Lindhard sums Pi(q) = (1/N) sum_k [f_k - f_{k+q}] / (e_{k+q} - e_k) for every
    /// lattice wave vector q (f_k = 1 for the `occupied` lowest e_k, a closed shell), descending.
    static func lindhard(lattice: Lattice, parameters p: ModelParameters, occupied: Int) -> [Double] {
        let lx = lattice.lx, ly = lattice.ly, n = lx * ly
        func e(_ m: Int, _ k: Int) -> Double {
            let kx = 2 * Double.pi * Double(m) / Double(lx), ky = 2 * Double.pi * Double(k) / Double(ly)
            return 2 * p.t1 * (cos(kx) + cos(ky)) + 4 * p.t2 * cos(kx) * cos(ky)
        }
        let sorted = (0..<n).map { e($0 % lx, $0 / lx) }.sorted()
        let fermi = 0.5 * (sorted[occupied - 1] + sorted[occupied])
        func f(_ x: Double) -> Double { x < fermi ? 1 : 0 }
        var out: [Double] = []
        for qy in 0..<ly {
            for qx in 0..<lx {
                var s = 0.0
                for ky in 0..<ly {
                    for kx in 0..<lx {
                        let a = e(kx, ky), b = e((kx + qx) % lx, (ky + qy) % ly)
                        let df = f(a) - f(b)
                        if df != 0 { s += df / (b - a) }
                    }
                }
                out.append(s / Double(n))
            }
        }
        return out.sorted(by: >)
    }

    /// A clean periodic lattice and a filling whose Fermi sea is a closed shell.
    static func closedShell(l: Int, t2: Double) throws -> (DisorderedModel, Int) {
        let lattice = try Lattice(lx: l, ly: l, boundary: .periodic)
        let params = ModelParameters(t1: 1, t2: t2)
        let e = DisorderedModel.cleanSpectrum(lattice: lattice, parameters: params)
        let n = lattice.siteCount
        let occ = (n / 4..<n / 2).first { e[$0] - e[$0 - 1] > 1e-6 }!
        return (try DisorderedModel(lattice: lattice, parameters: params, onsiteEnergies: [Double](repeating: 0, count: n)), occ)
    }

    @Test func eigenvaluesOfPiAreTheLindhardSumsOnAClosedShell() throws {
        let (m, occ) = try Self.closedShell(l: 8, t2: 0.3)
        let hf = try HartreeFock.solve(h0: m.hamiltonian(), particles: 2 * occ, options: HartreeFockOptions(U: 1.5))
        let op = try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: occ)
        let expected = Self.lindhard(lattice: m.lattice, parameters: m.parameters, occupied: occ)
        // Dense Pi: every eigenvalue.
        let n = m.lattice.siteCount
        let dense = try DenseEigensolver.solve(Fixtures.denseCSR(op.dense(), n), selection: .all, vectors: false)
        for (a, b) in zip(dense.values.reversed(), expected) { #expect(abs(a - b) < 1e-10) }
        // Iterative: the largest ten, with restarts forced by a small basis.
        let top = try LinearStability.largestEigenvalues(of: op, count: 10, block: 12, tolerance: 1e-12, maxBasis: 40)
        #expect(top.eigenvalues.count == 10)
        for (a, b) in zip(top.eigenvalues, expected.prefix(10)) { #expect(abs(a - b) < 1e-10) }
        #expect(top.restarts > 0)
    }

    @Test func blockProductsMatchTheDenseMatrix() throws {
        let lattice = try Lattice(lx: 5, ly: 4, boundary: .open)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 4, realization: 1)
        let hf = try HartreeFock.solve(h0: m.hamiltonian(), particles: 16, options: HartreeFockOptions(U: 1))
        let op = try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: 8)
        let n = 20
        let pi = op.dense()
        var rng = SplitMix64(seed: 9, stream: 0)
        let x = (0..<(3 * n)).map { _ in SplitMix64.unitDouble(rng.next()) - 0.5 }
        let y = try op.apply(x, columns: 3)
        for c in 0..<3 {
            for i in 0..<n {
                var s = 0.0
                for j in 0..<n { s += pi[i + j * n] * x[j + c * n] }
                #expect(abs(s - y[i + c * n]) < 1e-12)
            }
        }
        // Pi is symmetric positive semi-definite.
        let ev = try DenseEigensolver.solve(Fixtures.denseCSR(pi, n), selection: .all, vectors: false).values
        #expect(ev.first! > -1e-12)
        let top = try LinearStability.largestEigenvalues(of: op, count: 1, tolerance: 1e-12)
        #expect(abs(top.eigenvalues[0] - ev.last!) < 1e-10 * ev.last!)
    }

    @Test func anOpenShellIsRefused() throws {
        let lattice = try Lattice(lx: 4, ly: 4, boundary: .periodic)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1), onsiteEnergies: [Double](repeating: 0, count: 16))
        let pairs = try DenseEigensolver.solve(m.hamiltonian(), selection: .all, vectors: true)
        // Half filling of the 4x4 square lattice: the Fermi level sits inside the e = 0 shell.
        #expect(throws: HartreeFockError.self) { try SusceptibilityOperator(orbitals: pairs, occupied: 8) }
    }
}

/// Linear stability through the shared block Krylov-Schur solver against dense diagonalization
/// of the same Pi.
@Suite struct LinearStabilityVersusDense {
    /// A disordered 10 x 10 lattice (the paper's t1, t2, W = 9) at U = 1: the four largest
    /// eigenvalues of Pi from the Krylov solver equal the dense ones to 1e-10 lambda_max, and the
    /// reported residuals bound the explicit ones.
    @Test func largestEigenvaluesMatchDenseOnADisorderedLattice() throws {
        let lattice = try Lattice(lx: 10, ly: 10, boundary: .periodic)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 1, realization: 0)
        let hf = try HartreeFock.solve(h0: m.hamiltonian(), particles: 84, options: HartreeFockOptions(U: 1))
        let op = try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: 42)
        let n = op.dimension
        var a = op.dense()
        let dense = try DenseEigensolver.symmetric(&a, dimension: n, vectors: false)
        for tolerance in [1e-8, 1e-12] {
            let top = try LinearStability.largestEigenvalues(of: op, count: 4, tolerance: tolerance)
            let lambdaMax = dense.last!
            #expect(abs(top.eigenvalues[0] - lambdaMax) < 1e-10 * lambdaMax, "tol \(tolerance): \(top.eigenvalues[0]) against \(lambdaMax)")
            for (k, e) in top.eigenvalues.enumerated() { #expect(abs(e - dense[n - 1 - k]) < 1e-10 * lambdaMax) }
            #expect(top.products > 0 && top.converged)
            let image = try op.apply(top.eigenvectors, columns: 4)
            for c in 0..<4 {
                var s = 0.0
                for i in 0..<n { let r = image[i + c * n] - top.eigenvalues[c] * top.eigenvectors[i + c * n]; s += r * r }
                #expect(s.squareRoot() <= tolerance * lambdaMax * 1.01 + 1e-13, "pair \(c): residual \(s.squareRoot())")
            }
        }
    }

    /// An operator too small for a Krylov basis (4 sites, 3 eigenvalues) takes the dense path,
    /// with the same eigenvalues.
    @Test func aTinyOperatorIsDiagonalizedDensely() throws {
        let lattice = try Lattice(lx: 2, ly: 2, boundary: .open)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 2, realization: 0)
        let pairs = try DenseEigensolver.solve(m.hamiltonian(), selection: .all, vectors: true)
        let op = try SusceptibilityOperator(orbitals: pairs, occupied: 2)
        var a = op.dense()
        let dense = try DenseEigensolver.symmetric(&a, dimension: 4, vectors: false)
        let top = try LinearStability.largestEigenvalues(of: op, count: 3)
        #expect(top.restarts == 0 && top.basisSize == 4)
        for k in 0..<3 { #expect(abs(top.eigenvalues[k] - dense[3 - k]) < 1e-12) }
        #expect(top.residuals.allSatisfy { $0 < 1e-12 })
    }
}
