import FermiGlassModel
import FermiGlassSolvers

/// Monotonic basin hopping between the minima of the free UHF energy.
///
/// At W = 9 and U >= 2 the collinear HF landscape is glassy: on 10 x 10 lattices 37-38 starts
/// end on 31-38 distinct minima and the lowest is reached by one start
/// (docs/benchmarks/hartree-fock.md, "Seventh session"). Random starts sample the whole
/// landscape uniformly; the low minima differ from each other mostly by local rearrangements of
/// a few moments (a reversed cluster, a moment formed or lost on another localized level). A
/// hop therefore perturbs the best minimum found so far *locally* and descends again:
///
///     x_hop = kick(n_up, n_dn of the current lowest minimum),  then converge + follow to a minimum,
///
/// and the new minimum becomes the current lowest when its energy is lower (T = 0 acceptance:
/// the kept energy never rises). The kicks, with m_i = n_up(i) - n_dn(i) and the lattice graph
/// of H0 (sites coupled by a hopping, t1 and t2 bonds):
///
/// * hop 3k: reverse a cluster: the connected set of same-sign moments |m| > 0.1 containing a
///   randomly chosen moment site (n_up <-> n_dn there);
/// * hop 3k + 1: reverse the moments of a site and its graph neighbours, whatever their signs
///   (this breaks a cluster, or seeds a reversed one on a weak moment);
/// * hop 3k + 2: new random moments m in [-a, a] (a = 2 min(nbar, 1 - nbar), the start amplitude)
///   on the sites within two bonds of a random site, keeping each site's charge n_up + n_dn
///   (a moment formed or destroyed there).
///
/// Without moment sites (a paramagnetic minimum) the first two kinds pick any site. Hop j draws
/// from the stream `hopStream + j` of the options' seed: the search is deterministic, and a hop
/// is resumable from the start store like any start (its densities follow from the restored
/// records). The descent of a hop is that of any start (aufbau with the run's mixing, its
/// energy-DIIS fallback, then instability following).
extension HartreeFock {
    /// The random stream of hop 0 (streams below are the random and first-order starts).
    static let hopStream: UInt64 = 5000

    /// The kicked input densities (up then down) of hop `hop` from the minimum with output
    /// densities (`up`, `down`), on the lattice graph of `h0`.
    public static func kick(up: [Double], down: [Double], h0: CSRMatrix, particles: Int, seed: UInt64, hop: Int) -> [Double] {
        let n = up.count
        var rng = SplitMix64(seed: seed, stream: hopStream + UInt64(hop))
        var u = up, d = down
        let m = zip(up, down).map { $0 - $1 }
        let momentSites = (0..<n).filter { abs(m[$0]) > 0.1 }
        func pick(_ sites: [Int]) -> Int { sites[Int(rng.next() % UInt64(sites.count))] }
        func neighbours(_ i: Int) -> [Int] {
            (Int(h0.rowPointers[i])..<Int(h0.rowPointers[i + 1])).map { Int(h0.columnIndices[$0]) }.filter { $0 != i }
        }
        switch hop % 3 {
        case 0 where !momentSites.isEmpty:
            // The same-sign cluster of a moment site, by a breadth-first search on the graph.
            let seedSite = pick(momentSites)
            let sign = m[seedSite] > 0
            var inCluster = [Bool](repeating: false, count: n)
            var queue = [seedSite]
            inCluster[seedSite] = true
            var head = 0
            while head < queue.count {
                let i = queue[head]; head += 1
                for j in neighbours(i) where !inCluster[j] && abs(m[j]) > 0.1 && (m[j] > 0) == sign {
                    inCluster[j] = true
                    queue.append(j)
                }
            }
            for i in queue { swap(&u[i], &d[i]) }
        case 0, 1:
            let i = momentSites.isEmpty ? Int(rng.next() % UInt64(n)) : pick(momentSites)
            for j in [i] + neighbours(i) { swap(&u[j], &d[j]) }
        default:
            let centre = Int(rng.next() % UInt64(n))
            var region = Set([centre])
            for j in neighbours(centre) { region.insert(j); for k in neighbours(j) { region.insert(k) } }
            let nbar = Double(particles) / Double(2 * n)
            let a = 2 * min(nbar, 1 - nbar)
            for i in region.sorted() {
                let charge = u[i] + d[i]
                let moment = a * (2 * SplitMix64.unitDouble(rng.next()) - 1)
                u[i] = min(1, max(0, (charge + moment) / 2))
                d[i] = min(1, max(0, charge - u[i]))
            }
        }
        return u + d
    }
}
