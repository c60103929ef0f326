import Testing
@testable import FermiGlassModel

@Suite struct RegionTests {
    /// The region Hamiltonian must be the principal sub-block H[R, R] of the full matrix, in the
    /// region's local order, wrap-around included.
    func checkSubBlock(_ model: DisorderedModel, _ r: Lattice.Region) {
        let h = model.hamiltonian(), hr = model.hamiltonian(on: r)
        let sites = model.lattice.sites(of: r)
        #expect(hr.rowCount == r.siteCount)
        for (a, i) in sites.enumerated() {
            for (b, j) in sites.enumerated() { #expect(hr[a, b] == h[i, j], "\(r): H_R[\(a),\(b)] vs H[\(i),\(j)]") }
        }
        #expect(hr.symmetryProblem() == nil)
    }

    @Test func regionHamiltonianIsTheSubBlock() throws {
        let p = ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9)
        let periodic = try DisorderedModel(lattice: Lattice(lx: 9, ly: 7), parameters: p, seed: 3, realization: 1)
        let l = periodic.lattice
        // A rectangle wrapping both periodic directions (corner near the top-right corner).
        let wrapped = try l.region(x0: 7, y0: 5, width: 4, height: 5)
        #expect(l.coordinates(of: l.globalSite(0, in: wrapped)) == (7, 5))
        #expect(l.coordinates(of: l.globalSite(wrapped.localSite(u: 3, v: 4), in: wrapped)) == (1, 2))
        checkSubBlock(periodic, wrapped)
        // Full width in x (periodic bonds kept there), cut in y; the whole lattice equals H.
        let band = try l.region(x0: 0, y0: 2, width: 9, height: 3)
        #expect(band.periodicX && !band.periodicY)
        checkSubBlock(periodic, band)
        checkSubBlock(periodic, l.wholeRegion)
        #expect(periodic.hamiltonian(on: l.wholeRegion) == periodic.hamiltonian())
        // One column short of the lattice: the two edge columns are not neighbours.
        checkSubBlock(periodic, try l.region(x0: 4, y0: 0, width: 8, height: 6))

        let open = try DisorderedModel(lattice: Lattice(lx: 8, ly: 6, boundary: .open), parameters: p, seed: 3, realization: 0)
        checkSubBlock(open, try open.lattice.region(x0: 2, y0: 1, width: 5, height: 4))
        checkSubBlock(open, open.lattice.wholeRegion)
        #expect(throws: ModelError.self) { try open.lattice.region(x0: 6, y0: 0, width: 4, height: 2) }
    }

    @Test func squarePatchesClipAndWrap() throws {
        let l = try Lattice(lx: 20, ly: 12)
        let r = l.region(around: l.site(x: 1, y: 11), halfWidth: 3)
        #expect(r.width == 7 && r.height == 7 && r.x0 == 18 && r.y0 == 8)
        #expect(l.localSite(of: l.site(x: 1, y: 11), in: r) == r.localSite(u: 3, v: 3))
        let big = l.region(around: 0, halfWidth: 6)
        #expect(big.width == 13 && big.height == 12 && big.periodicY && !big.periodicX)
        let open = try Lattice(lx: 20, ly: 12, boundary: .open)
        let clipped = open.region(around: open.site(x: 1, y: 11), halfWidth: 3)
        #expect(clipped.x0 == 0 && clipped.width == 5 && clipped.y0 == 8 && clipped.height == 4)
    }

    /// Distance to the edge against its definition: the Chebyshev distance from the site to the
    /// nearest site of the region that has a bond leaving it (brute force over sites and bonds).
    @Test func distanceToEdgeByEnumeration() throws {
        for lattice in [try Lattice(lx: 11, ly: 9), try Lattice(lx: 11, ly: 9, boundary: .open)] {
            for r in [try lattice.region(x0: lattice.boundaryX == .open ? 3 : 9, y0: 2, width: 6, height: 5),
                      try lattice.region(x0: 0, y0: 1, width: 11, height: 4)] {
                let sites = lattice.sites(of: r)
                let inside = Set(sites)
                let rim = sites.filter { i in
                    [(1, 0), (-1, 0), (0, 1), (0, -1)].contains { d in
                        lattice.neighbour(of: i, dx: d.0, dy: d.1).map { !inside.contains($0) } ?? false
                    }
                }
                for i in sites {
                    // Chebyshev distance to the nearest rim site (for a rectangle: the distance to the nearest cut side).
                    let a = lattice.localCoordinates(of: i, in: r)!
                    let expected = rim.map { j -> Int in
                        let b = lattice.localCoordinates(of: j, in: r)!
                        return max(abs(a.u - b.u), abs(a.v - b.v))
                    }.min() ?? Int.max
                    #expect(lattice.distanceToEdge(of: i, in: r) == expected, "\(lattice) \(r) site \(i)")
                }
                #expect(lattice.distanceToEdge(of: sites.isEmpty ? 0 : (0..<lattice.siteCount).first { !inside.contains($0) }!, in: r) == nil)
            }
        }
    }

    @Test func intersectionByEnumeration() throws {
        for lattice in [try Lattice(lx: 10, ly: 7), try Lattice(lx: 10, ly: 7, boundary: .open)] {
            var regions: [Lattice.Region] = []
            for x0 in stride(from: 0, to: 10, by: 3) {
                for w in [1, 4, 7, 10] {
                    if let r = try? lattice.region(x0: x0, y0: (x0 * 3) % 7, width: w, height: min(7, 1 + w / 2)) { regions.append(r) }
                }
            }
            for a in regions {
                for b in regions {
                    let shared = !Set(lattice.sites(of: a)).isDisjoint(with: lattice.sites(of: b))
                    #expect(lattice.intersects(a, b) == shared, "\(lattice) \(a) \(b)")
                }
            }
        }
    }
}
