import FermiGlassModel
import FermiGlassSolvers
import Testing
@testable import FermiGlassInteracting

@Suite("Chebyshev core density")
struct ChebyshevCoreTests {
    /// 10 x 10, t1 = 1, t2 = 0.6, W = 9, N = 84, window levels:8 (34..<50): the kernel-
    /// polynomial n_core with exact (one-per-site) probing agrees with the exact dense core
    /// density to the bound below, and so do the core band energy and the problem's E1; with
    /// probe spacing 6 the probing error is measured and bounded too.
    @Test func matchesDenseCore() throws {
        let lattice = try Lattice(lx: 10, ly: 10, boundary: .periodic)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                                    seed: 5, realization: 0)
        let h = m.hamiltonian()
        let all = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        let window = 34..<50
        let exact = GroundStateProblem.coreDensity(pairs: all, below: window.lowerBound)
        let dense = try GroundStateProblem(pairs: all, window: window, totalParticles: 84)
        let wpairs = all.subset(window)
        let cheb = try ChebyshevCore.coreDensity(h: h, lattice: lattice, window: wpairs, moments: 400)
        let err = zip(cheb.density, exact).map { abs($0 - $1) }.max()!
        #expect(err < 1e-4, "Chebyshev n_core error \(err)")
        #expect(abs(cheb.bandEnergy - dense.coreBandEnergy) < 1e-5 * abs(dense.coreBandEnergy))
        let sparse = try GroundStateProblem(window: wpairs, coreDensity: cheb.density, coreBandEnergy: cheb.bandEnergy, totalParticles: 84)
        let sea = dense.fermiSea()
        #expect(abs(sparse.energy(sea, U: 1) - dense.energy(sea, U: 1)) < 5e-3)
        // Fewer moments: a wider step leaks into the levels outside the window; the error grows.
        let coarse = try ChebyshevCore.coreDensity(h: h, lattice: lattice, window: wpairs, moments: 60)
        let coarseErr = zip(coarse.density, exact).map { abs($0 - $1) }.max()!
        #expect(coarseErr > 10 * err)
        // Probing with colours (x mod 5, y mod 5): 25 probes instead of 100.
        let probed = try ChebyshevCore.coreDensity(h: h, lattice: lattice, window: wpairs, moments: 400, probeSpacing: 5)
        let probeErr = zip(probed.density, exact).map { abs($0 - $1) }.max()!
        #expect(probed.probes == 25)
        #expect(probeErr < 0.1, "probing error \(probeErr)")
        print("chebyshev n_core: exact probing max error \(err), M=60 \(coarseErr), spacing 5 \(probeErr)")
    }
}
