import Foundation
import Testing
import FermiGlassModel
import FermiGlassSolvers

/// The dense path against exact results: the clean-lattice dispersion, the open-boundary
/// standing waves, and the defining properties of an eigendecomposition.
@Suite struct DenseSolverTests {
    /// W = 0, periodic: the spectrum is e(k) = 2 t1 (cos kx + cos ky) + 4 t2 cos kx cos ky - mu,
    /// k = 2 pi (m/Lx, n/Ly) (CONVENTIONS.md §1), for both signs of the hoppings.
    @Test(arguments: [(4, 4, 1.0, 0.6), (5, 7, 1.0, 0.6), (6, 3, -1.0, -0.6), (8, 6, -1.0, 0.6), (7, 7, 1.0, -0.35)])
    func cleanPeriodicSpectrumIsTheDispersion(lx: Int, ly: Int, t1: Double, t2: Double) throws {
        let lattice = try Lattice(lx: lx, ly: ly)
        let params = ModelParameters(t1: t1, t2: t2, disorderStrength: 0, mu: 0.25)
        let h = try DisorderedModel(lattice: lattice, parameters: params, seed: 1, realization: 0).hamiltonian()
        let values = try DenseEigensolver.solve(h, selection: .all, vectors: false).values
        let exact = DisorderedModel.cleanSpectrum(lattice: lattice, parameters: params)
        #expect(values.count == exact.count)
        let worst = zip(values, exact).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-12 * params.gershgorinRadius)
    }

    /// W = 0, t2 = 0, open boundaries: standing waves sin(pi m x/(Lx+1)) sin(pi n y/(Ly+1)) with
    /// e = 2 t1 (cos(pi m/(Lx+1)) + cos(pi n/(Ly+1))), m = 1..Lx, n = 1..Ly.
    @Test(arguments: [(1, 5), (4, 4), (5, 3), (6, 9)])
    func cleanOpenSpectrumIsTheStandingWaves(lx: Int, ly: Int) throws {
        let lattice = try Lattice(lx: lx, ly: ly, boundary: .open)
        let params = ModelParameters(t1: -1.3, t2: 0, disorderStrength: 0, mu: 0)
        let h = try DisorderedModel(lattice: lattice, parameters: params, seed: 1, realization: 0).hamiltonian()
        let values = try DenseEigensolver.solve(h, selection: .all, vectors: false).values
        var exact = [Double]()
        for m in 1...lx {
            for n in 1...ly {
                exact.append(2 * params.t1 * (cos(Double.pi * Double(m) / Double(lx + 1)) + cos(Double.pi * Double(n) / Double(ly + 1))))
            }
        }
        exact.sort()
        let worst = zip(values, exact).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-12 * params.gershgorinRadius)
    }

    /// Orthonormality and residuals of every eigenpair on a 24 x 24 disordered lattice (the
    /// paper's t1, t2, W).
    @Test func eigenpairsAreOrthonormalWithSmallResiduals() throws {
        let lattice = try Lattice(lx: 24, ly: 24)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 5, realization: 1)
        let h = m.hamiltonian()
        let sol = try Eigensolver.solve(h, EigenRequest(selection: .all))
        #expect(sol.pairs.count == 576)
        #expect(sol.pairs.values == sol.pairs.values.sorted())
        #expect(sol.diagnostics.maxResidual < 1e-10)
        #expect(sol.diagnostics.maxOrthogonalityError < 1e-10)
        #expect(sol.pairs.maxResidual(of: h) == sol.diagnostics.maxResidual)
    }

    /// Index and energy selections (dsyevr) agree with the full spectrum (dsyevd).
    @Test func selectionsAgreeWithTheFullSpectrum() throws {
        let lattice = try Lattice(lx: 10, ly: 9)
        let h = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9), seed: 2, realization: 0)
            .hamiltonian()
        let all = try DenseEigensolver.solve(h).values
        let tol = 1e-12 * h.infinityNorm
        let levels = try Eigensolver.solve(h, EigenRequest(selection: .levels(20..<45)))
        #expect(levels.pairs.firstLevel == 20)
        #expect(zip(levels.pairs.values, all[20..<45]).allSatisfy { abs($0 - $1) < tol })
        #expect(levels.diagnostics.maxResidual < 1e-10)
        // A window whose ends sit midway between levels.
        let lo = 0.5 * (all[30] + all[31]), hi = 0.5 * (all[60] + all[61])
        let window = try Eigensolver.solve(h, EigenRequest(selection: .energies(lo...hi)))
        #expect(window.pairs.count == 30)
        #expect(zip(window.pairs.values, all[31...60]).allSatisfy { abs($0 - $1) < tol })
        #expect(throws: SolverError.self) { try DenseEigensolver.solve(h, selection: .energies(100...200)) }
    }

    /// The same seed and thread count give bit-identical eigenvalues. (1 against 2 BLAS threads
    /// is checked by CommandTests.threadCountContract in separate processes: changing the
    /// process-wide thread count here would race with the other tests' determinism checks.)
    @Test func reproducible() throws {
        let lattice = try Lattice(lx: 30, ly: 30)
        let params = ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9)
        func values() throws -> [Double] {
            let h = try DisorderedModel(lattice: lattice, parameters: params, seed: 11, realization: 3).hamiltonian()
            return try DenseEigensolver.solve(h, selection: .all, vectors: true).values
        }
        let a = try values(), b = try values()
        #expect(a == b)
    }

    /// The dense path refuses a plan above FERMIGLASS_MEMORY_LIMIT-style limits with a message
    /// naming the size (checked through MemoryPlan directly; the CLI test covers the variable).
    @Test func memoryPlanRefusesLargePlans() {
        #expect(MemoryPlan.parseBytes("1M") == 1 << 20)
        #expect(MemoryPlan.parseBytes("2G") == 2 << 30)
        #expect(MemoryPlan.parseBytes("x") == nil)
        #expect(throws: SolverError.self) { try MemoryPlan.require(bytes: Int.max / 2, what: "a test plan") }
    }
}
