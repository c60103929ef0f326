import FermiGlassModel
import FermiGlassSolvers

/// chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 (Eqs. 9-10) on compressed local states, only for the
/// pairs whose stored supports (rectangles) meet.
///
/// Each meeting pair is summed over the intersection of the two rectangles only.
///
/// A pair whose rectangles do not meet has chi_ac = 0 as stored; its true value is at most
/// w_a + w_c, with w the weight |phi|^2 each state discarded outside its rectangle (the part
/// of a's density outside a's rectangle times max |phi_c|^2 <= 1, and the same for c). The same
/// w_a + w_c bounds the error of every stored pair, so `droppedWeightBound` = 2 max_a w_a is a
/// per-pair bound on |chi_ac(true) - chi_ac(stored)|.
///
/// Cost: the pairs are found through a grid of cells (each state registers in the cells its
/// rectangle covers, candidates are the states sharing a cell, checked by an exact rectangle
/// test), and each meeting pair costs the area of the two rectangles' intersection:
/// O(states x cells per state + sum over sites of (states covering the site)^2). Memory: the CSR entries, the
/// cell lists and one N-vector; no k x k table and nothing O(sites x states).
public struct MeetingOverlaps: Sendable {
    /// chi over the meeting pairs (both triangles, diagonal = IPR).
    public let overlap: SparseOverlap
    /// Unordered pairs a < c whose rectangles meet (the stored off-diagonal pairs, zero values
    /// included).
    public let pairsMeeting: Int
    /// k (k - 1) / 2.
    public let pairsTotal: Int
    /// Per-pair bound on |chi_ac(true) - chi_ac(stored)| (2 max discarded weight).
    public let droppedWeightBound: Double

    /// Builds chi over the meeting pairs of `store`. A store whose states cover every site
    /// (dense columns) has every pair meeting.
    public init(_ store: some EigenstateStore) {
        let k = store.count, n = store.dimension
        // Neighbour lists (c > a) of the meeting pairs.
        var upper = [[Int32]](repeating: [], count: k)
        var regions = [Lattice.Region?](repeating: nil, count: k)
        var allSites = false
        for a in 0..<k {
            if case .region(let r) = store.support(of: a) { regions[a] = r } else { allSites = true }
        }
        if allSites || store.lattice == nil {
            for a in 0..<k { upper[a] = (a + 1..<k).map { Int32($0) } }
        } else {
            let lattice = store.lattice!
            // Cells of side `side`: about the median rectangle side, so a state covers ~4-9 cells.
            let sides = regions.map { max($0!.width, $0!.height) }.sorted()
            let side = max(4, sides.isEmpty ? 16 : sides[sides.count / 2] / 2)
            let nx = (lattice.lx + side - 1) / side, ny = (lattice.ly + side - 1) / side
            func cells(_ start: Int, _ width: Int, _ extent: Int) -> [Int] {
                var out = [Int]()
                var last = -1
                for u in 0..<width {
                    var x = start + u
                    if x >= extent { x -= extent }
                    let c = x / side
                    if c != last && !out.contains(c) { out.append(c) }
                    last = c
                }
                return out
            }
            var members = [[Int32]](repeating: [], count: nx * ny)
            var stateCells = [[Int]](repeating: [], count: k)
            for a in 0..<k {
                let r = regions[a]!
                let cx = cells(r.x0, r.width, lattice.lx), cy = cells(r.y0, r.height, lattice.ly)
                for y in cy { for x in cx { stateCells[a].append(x + nx * y); members[x + nx * y].append(Int32(a)) } }
            }
            var seen = [Int32](repeating: -1, count: k)
            for a in 0..<k {
                var list = [Int32]()
                for cell in stateCells[a] {
                    for c32 in members[cell] where Int(c32) > a && seen[Int(c32)] != Int32(a) {
                        seen[Int(c32)] = Int32(a)
                        if lattice.intersects(regions[a]!, regions[Int(c32)]!) { list.append(c32) }
                    }
                }
                list.sort()
                upper[a] = list
            }
        }
        // Values: |phi_a|^2 scattered on an N-vector, each partner's support read once.
        var density = [Double](repeating: 0, count: n)
        var upperValues = [[Double]](repeating: [], count: k)
        var diagonal = [Double](repeating: 0, count: k)
        for a in 0..<k {
            var ipr = 0.0
            store.forEachComponent(of: a) { i, x in let p = x * x; density[i] = p; ipr += p * p }
            diagonal[a] = ipr
            upperValues[a] = upper[a].map { c32 in
                let c = Int(c32)
                if let ra = regions[a], let rc = regions[c], let lattice = store.lattice {
                    return Self.overlapOnIntersection(store, c, rc, ra, lattice, density)
                }
                var s = 0.0
                store.forEachComponent(of: c) { i, x in s += density[i] * x * x }
                return s
            }
            store.forEachComponent(of: a) { i, _ in density[i] = 0 }
        }
        // CSR with both triangles: row a = lower partners (c < a, ascending), a, upper partners.
        var lowerCount = [Int](repeating: 0, count: k)
        for a in 0..<k { for c in upper[a] { lowerCount[Int(c)] += 1 } }
        var ptr = [Int](repeating: 0, count: k + 1)
        for a in 0..<k { ptr[a + 1] = ptr[a] + lowerCount[a] + 1 + upper[a].count }
        var cols = [Int32](repeating: 0, count: ptr[k]), vals = [Double](repeating: 0, count: ptr[k])
        var fill = Array(ptr[0..<k])
        for a in 0..<k {
            // Rows c < a were filled with their entry for a before a's own turn (a ascending).
            cols[fill[a]] = Int32(a); vals[fill[a]] = diagonal[a]; fill[a] += 1
            for (j, c32) in upper[a].enumerated() {
                let c = Int(c32), v = upperValues[a][j]
                cols[fill[a]] = c32; vals[fill[a]] = v; fill[a] += 1
                cols[fill[c]] = Int32(a); vals[fill[c]] = v; fill[c] += 1
            }
        }
        overlap = SparseOverlap(count: k, rowPointers: ptr, columns: cols, values: vals)
        pairsMeeting = upper.reduce(0) { $0 + $1.count }
        pairsTotal = k * (k - 1) / 2
        droppedWeightBound = 2 * ((0..<k).map { store.discardedWeight(of: $0) }.max() ?? 0)
    }

    /// sum over the sites of rc /\ ra of density(i) |phi_c(i)|^2, reading phi_c in its
    /// rectangle's row-major layout (u + width v).
    static func overlapOnIntersection(_ store: some EigenstateStore, _ c: Int, _ rc: Lattice.Region, _ ra: Lattice.Region,
                                      _ lattice: Lattice, _ density: [Double]) -> Double {
        /// The parts of a's interval [a0, a0 + aw) (mod L) inside c's [c0, c0 + cw), in c's
        /// local coordinates.
        func segments(_ a0: Int, _ aw: Int, _ c0: Int, _ cw: Int, _ extent: Int) -> [Range<Int>] {
            if aw >= extent { return [0..<cw] }
            let d = ((a0 - c0) % extent + extent) % extent
            var out = [Range<Int>]()
            if d < cw { out.append(d..<min(d + aw, cw)) }
            if d + aw > extent { let e = min(d + aw - extent, cw); if e > 0 { out.append(0..<e) } }
            return out
        }
        let us = segments(ra.x0, ra.width, rc.x0, rc.width, lattice.lx)
        let vs = segments(ra.y0, ra.height, rc.y0, rc.height, lattice.ly)
        return store.withAmplitudes(of: c) { x in
            var s = 0.0
            for vr in vs {
                for v in vr {
                    var y = rc.y0 + v
                    if y >= lattice.ly { y -= lattice.ly }
                    let rowBase = lattice.lx * y, local = rc.width * v
                    for ur in us {
                        for u in ur {
                            var xx = rc.x0 + u
                            if xx >= lattice.lx { xx -= lattice.lx }
                            let amp = x[local + u]
                            s += density[rowBase + xx] * amp * amp
                        }
                    }
                }
            }
            return s
        }
    }
}
