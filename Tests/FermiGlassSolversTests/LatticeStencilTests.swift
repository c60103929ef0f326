import Foundation
import Testing
import FermiGlassModel
import FermiGlassSolvers

/// The matrix-free t-t'-W stencil against the CSR Hamiltonian it replaces: the same bits, on any
/// boundary, for both signs of t2, on any number of threads.
@Suite struct LatticeStencilTests {
    static func block(_ n: Int, columns: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(n * columns)).map { _ in 2 * SplitMix64.unitDouble(rng.next()) - 1 }
    }

    /// H X by the stencil == H X by the CSR product, bit for bit (`==` on every double), for
    /// periodic, open and mixed lattices (including a 3-wide periodic one and a 1-wide open
    /// one), t2 = +0.6, -0.6, 0 and mu != 0; 71 x 64 spans two row chunks and is run on 1, 2
    /// and 3 threads.
    @Test(arguments: [
        (7, 6, Boundary.periodic, Boundary.periodic, 0.6), (7, 6, .open, .open, 0.6), (7, 6, .periodic, .open, -0.6),
        (5, 8, .open, .periodic, -0.6), (3, 3, .periodic, .periodic, 0.6), (1, 9, .open, .open, 0.6),
        (6, 5, .periodic, .periodic, 0.0), (71, 64, .periodic, .periodic, 0.6), (71, 64, .open, .open, -0.6),
    ])
    func stencilEqualsCSRBitForBit(lx: Int, ly: Int, bx: Boundary, by: Boundary, t2: Double) throws {
        let lattice = try Lattice(lx: lx, ly: ly, boundaryX: bx, boundaryY: by)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: t2, disorderStrength: 7, mu: 0.3),
                                        seed: 11, realization: 2)
        let h = model.hamiltonian()
        let x = Self.block(lattice.siteCount, columns: 3, seed: 5)
        let reference = try h.apply(x, columns: 3)
        for threads in [1, 2, 3] {
            let y = try LatticeStencil(model: model, threads: threads).apply(x, columns: 3)
            let differing = zip(y, reference).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "stencil != CSR in \(differing) entries on \(lattice), t2 = \(t2), \(threads) threads")
        }
    }

    /// KPM moments through the fused stencil step: one and two threads give identical bits, and
    /// both equal the moments through the CSR matrix (product, then the recurrence).
    @Test func momentsIdenticalOnOneAndTwoThreads() throws {
        let lattice = try Lattice(lx: 90, ly: 70)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 5, mu: 0),
                                        seed: 3, realization: 0)
        let one = LatticeStencil(model: model, threads: 1)
        let bounds = try SpectralBounds.estimate(one, gershgorin: one.gershgorinInterval)
        let m1 = try KernelPolynomial(one, bounds: bounds, threads: 1).stochasticMoments(count: 40, vectors: 3, seed: 9)
        let m2 = try KernelPolynomial(LatticeStencil(model: model, threads: 2), bounds: bounds, threads: 2)
            .stochasticMoments(count: 40, vectors: 3, seed: 9)
        let csr = try KernelPolynomial(model.hamiltonian(), bounds: bounds, threads: 2).stochasticMoments(count: 40, vectors: 3, seed: 9)
        #expect(m1.perVector == m2.perVector)
        #expect(m1.perVector == csr.perVector)
    }
}
