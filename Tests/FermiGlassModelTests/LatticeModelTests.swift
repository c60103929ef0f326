import Testing
@testable import FermiGlassModel

@Suite struct LatticeTests {
    @Test func siteNumbering() throws {
        let l = try Lattice(lx: 5, ly: 4)
        #expect(l.site(x: 3, y: 2) == 3 + 5 * 2)
        #expect(l.coordinates(of: 13) == (3, 2))
        #expect(l.neighbour(of: l.site(x: 4, y: 0), dx: 1, dy: 0) == l.site(x: 0, y: 0))
        #expect(l.neighbour(of: l.site(x: 0, y: 0), dx: -1, dy: -1) == l.site(x: 4, y: 3))
        let open = try Lattice(lx: 5, ly: 4, boundary: .open)
        #expect(open.neighbour(of: open.site(x: 4, y: 0), dx: 1, dy: 0) == nil)
    }

    @Test func minimumImageDistance() throws {
        let l = try Lattice(lx: 10, ly: 10)
        #expect(l.distance(l.site(x: 0, y: 0), l.site(x: 9, y: 0)) == 1)
        #expect(l.distance(l.site(x: 1, y: 1), l.site(x: 8, y: 9)) == (9.0 + 4.0).squareRoot())
        let open = try Lattice(lx: 10, ly: 10, boundary: .open)
        #expect(open.distance(open.site(x: 0, y: 0), open.site(x: 9, y: 0)) == 9)
    }

    @Test func rejectsBadSizes() {
        #expect(throws: ModelError.invalidSize("lattice size must be positive, got 0 x 5")) { try Lattice(lx: 0, ly: 5) }
        #expect(throws: ModelError.self) { try Lattice(lx: 2, ly: 5) }
        #expect(throws: Never.self) { try Lattice(lx: 2, ly: 1, boundary: .open) }
    }
}

@Suite struct FillingTests {
    @Test func roundsToNearestEven() throws {
        #expect(try Filling(filling: 5.0 / 6.0, siteCount: 3600).particles == 3000)
        #expect(try Filling(filling: 5.0 / 6.0, siteCount: 40000).particles == 33334)
        #expect(try Filling(particles: 3000, siteCount: 3600).fermiIndex == 1500)
    }

    @Test func rejectsImpossibleFillings() {
        #expect(throws: ModelError.self) { try Filling(particles: 3, siteCount: 10) }
        #expect(throws: ModelError.self) { try Filling(particles: 20, siteCount: 10) }
        #expect(throws: ModelError.self) { try Filling(particles: 0, siteCount: 10) }
        #expect(throws: ModelError.self) { try Filling(filling: .nan, siteCount: 10) }
        #expect(throws: ModelError.self) { try Filling(filling: 0.01, siteCount: 10) }
    }
}

@Suite struct HamiltonianTests {
    let params = ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0.3)

    @Test(arguments: [Boundary.periodic, .open])
    func symmetricSortedWithExpectedRowSums(boundary: Boundary) throws {
        let l = try Lattice(lx: 7, ly: 5, boundary: boundary)
        let m = try DisorderedModel(lattice: l, parameters: params, seed: 3, realization: 2)
        let h = m.hamiltonian()
        #expect(h.structuralProblem() == nil)
        #expect(h.symmetryProblem() == nil)
        for i in 0..<l.siteCount {
            // Off-diagonal row sum of |H|: 4 |t1| + 4 |t2| in the bulk; fewer bonds at open edges.
            var off = 0.0
            for k in h.rowPointers[i]..<h.rowPointers[i + 1] where Int(h.columnIndices[k]) != i { off += abs(h.values[k]) }
            let (x, y) = l.coordinates(of: i)
            var expected = 0.0
            for (dx, dy, t) in [(1, 0, 1.0), (-1, 0, 1.0), (0, 1, 1.0), (0, -1, 1.0), (1, 1, 0.6), (-1, -1, 0.6), (1, -1, 0.6), (-1, 1, 0.6)] {
                let inside = boundary == .periodic || ((0..<l.lx).contains(x + dx) && (0..<l.ly).contains(y + dy))
                if inside { expected += t }
            }
            #expect(abs(off - expected) < 1e-14)
            #expect(h[i, i] == m.onsiteEnergies[i] - 0.3)
        }
    }

    @Test func disorderStatistics() {
        let w = 9.0, n = 200_000
        let e = Disorder.onsiteEnergies(strength: w, seed: 42, realization: 0, siteCount: n)
        #expect(e.allSatisfy { $0 >= -w / 2 && $0 < w / 2 })
        let mean = e.reduce(0, +) / Double(n)
        let variance = e.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        // Uniform in [-W/2, W/2]: mean 0 (standard error W / sqrt(12 n)), variance W^2/12.
        #expect(abs(mean) < 5 * w / (12.0 * Double(n)).squareRoot())
        #expect(abs(variance - w * w / 12) < 0.02 * w * w / 12)
    }

    @Test func disorderDependsOnlyOnSeedRealizationSite() {
        let a = Disorder.onsiteEnergies(strength: 1, seed: 7, realization: 3, siteCount: 50)
        let b = Disorder.onsiteEnergies(strength: 1, seed: 7, realization: 3, siteCount: 100)
        #expect(Array(b.prefix(50)) == a)
        #expect(Disorder.onsiteEnergies(strength: 1, seed: 7, realization: 4, siteCount: 50) != a)
        #expect(Disorder.onsiteEnergies(strength: 1, seed: 8, realization: 3, siteCount: 50) != a)
    }
}
