import Testing
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassTestSupport

/// The compressed store (a rectangle per state) against the dense one on the paper model.
@Suite(.slow, .tags(.slow)) struct EigenstateStoreTests {
    struct Case: Sendable, CustomStringConvertible {
        var size: Int, w: Double
        var description: String { "\(size)x\(size) W=\(w)" }
    }

    /// The model, its H, and 150 states around the Fermi index of filling 5/6 (dense solve).
    func window(_ c: Case) throws -> (DisorderedModel, CSRMatrix, Eigenpairs) {
        let model = try DisorderedModel(lattice: Lattice(lx: c.size, ly: c.size), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: c.w),
                                        seed: 5, realization: 2)
        let h = model.hamiltonian()
        let f = try Filling(filling: 5.0 / 6.0, siteCount: c.size * c.size).fermiIndex
        let pairs = try DenseEigensolver.solve(h, selection: .levels((f - 75)..<(f + 75)))
        return (model, h, pairs)
    }

    static let cases = [Case(size: 30, w: 9), Case(size: 30, w: 12), Case(size: 60, w: 9), Case(size: 60, w: 12)]

    /// Nothing dropped: every quantity equals the dense one to 1e-12 (chi through the blockwise
    /// product over several blocks, against dsyrk).
    @Test(arguments: cases)
    func losslessStoreEqualsDense(_ c: Case) throws {
        let (model, h, dense) = try window(c)
        let local = try LocalEigenstates(compressing: dense, lattice: model.lattice, maxDiscardedWeight: 0)
        #expect(local.count == dense.count && local.values == dense.values && local.firstLevel == dense.firstLevel)
        #expect(local.maxDiscardedWeight == 0)
        #expect(zip(Localization.ipr(local), Localization.ipr(dense)).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(OverlapDecay.maximumSites(local) == OverlapDecay.maximumSites(dense))
        let chiL = Overlaps.chi(local), chiD = Overlaps.chi(dense)
        #expect(zip(chiL, chiD).map { abs($0 - $1) }.max()! <= 1e-12)
        #expect(zip(local.residuals(of: h), dense.residuals(of: h)).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(abs(local.maxOrthogonalityError() - dense.maxOrthogonalityError()) <= 1e-12)
        let weights = (0..<dense.count).map { Double($0 % 3) - 1 }
        #expect(zip(local.weightedDensity(weights), dense.weightedDensity(weights)).allSatisfy { abs($0 - $1) <= 1e-12 })
        let f = (0..<h.rowCount).map { Double($0 % 7) }
        #expect(zip(local.densityProjection(f), dense.densityProjection(f)).allSatisfy { abs($0 - $1) <= 1e-12 })
        // Cross overlaps between two different stores: the first 40 against the last 30 states.
        let a = local.subset(0..<40), b = dense.subset(120..<150)
        let cross = Overlaps.chi(a, b)
        for j in 0..<30 { for i in 0..<40 { #expect(abs(cross[i + j * 40] - chiD[i + (120 + j) * 150]) <= 1e-12) } }
    }

    /// With a drop budget w: each state drops at most w, and every quantity moves by no more
    /// than its bound in terms of the discarded weights (``EigenstateStore``).
    @Test(arguments: cases)
    func discardedWeightBoundsTheChange(_ c: Case) throws {
        let (model, h, dense) = try window(c)
        let budget = 1e-6
        let local = try LocalEigenstates(compressing: dense, lattice: model.lattice, maxDiscardedWeight: budget)
        let w = (0..<local.count).map { local.discardedWeight(of: $0) }
        #expect(w.allSatisfy { $0 <= budget * (1 + 1e-9) })
        // Largest |phi_a(i)|^2 of each dense state.
        let pmax = (0..<dense.count).map { a in dense.withAmplitudes(of: a) { $0.map { $0 * $0 }.max()! } }
        let iprL = local.ipr(), iprD = dense.ipr()
        for a in 0..<dense.count { #expect(abs(iprL[a] - iprD[a]) <= w[a] * w[a] + 2 * w[a] * pmax[a] + 1e-15) }
        #expect(OverlapDecay.maximumSites(local) == OverlapDecay.maximumSites(dense))
        let chiL = Overlaps.chi(local), chiD = Overlaps.chi(dense)
        let k = dense.count
        for cc in 0..<k {
            for a in 0..<k { #expect(abs(chiL[a + cc * k] - chiD[a + cc * k]) <= w[a] * pmax[cc] + w[cc] * pmax[a] + 1e-15) }
        }
        let rL = local.residuals(of: h), rD = dense.residuals(of: h)
        for a in 0..<k { #expect(rL[a] <= rD[a] + (h.infinityNorm + abs(dense.values[a])) * w[a].squareRoot() + 1e-13) }
        let sqrtW = w.map { $0.squareRoot() }.max()!
        #expect(local.maxOrthogonalityError() <= dense.maxOrthogonalityError() + 2 * sqrtW + budget)
        if c.size == 60 && c.w == 12 {
            // The tails are long (a weight of 1e-6 still reaches ~25 sites from the maximum), but
            // some states fit rectangles smaller than the lattice and the store is smaller.
            #expect(local.bytes < local.denseBytes, "60x60 W=12 at w = 1e-6: \(local.bytes) bytes against \(local.denseBytes) dense")
            #expect(local.regions.contains { $0.siteCount < 3600 / 2 } && w.contains { $0 > 0 })
        }
    }
}
