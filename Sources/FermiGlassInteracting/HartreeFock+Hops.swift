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
///     x_hop = kick(the current lowest minimum),  then converge + follow to a minimum,
///
/// and the new minimum becomes the current lowest when its energy is lower (T = 0 acceptance:
/// the kept energy never rises). The kicks, with m_i = n_up(i) - n_dn(i) and the lattice graph
/// of H0 (sites coupled by a hopping, t1 and t2 bonds), in turn:
///
/// * hop 4k: reverse a cluster: the connected set of same-sign moments |m| > 0.1 containing a
///   randomly chosen moment site (n_up <-> n_dn there);
/// * hop 4k + 1: a particle-hole excitation within a spin: n_s -= |phi_a,s|^2, n_s += |phi_b,s|^2
///   for an occupied HF orbital a and an empty one b of a random spin s, each drawn among the
///   ``hopLevels`` levels nearest E_F (the orbitals of the minimum: H_s = H0 + U diag(n_-s) of
///   its input densities). This is the move of the paper's Monte Carlo (Sec. IV: one particle
///   from an occupied slot to an empty one near E_F), in the HF orbitals;
/// * hop 4k + 2: the same with a spin flip: a from spin s, b from the other spin (S_z changes
///   by one: the minima of a glassy landscape lie in several S_z sectors);
/// * hop 4k + 3: new random moments m in [-a, a] (a = 2 min(nbar, 1 - nbar), the start amplitude)
///   on the sites within two bonds of a random site, keeping each site's charge n_up + n_dn.
///
/// A hop combines several of these: hop j makes 1 + (j / 4) mod ``hopMoves`` of them, of the
/// kinds (j + e) mod 4 (one-move kicks mostly fall back into the basin they left).
/// Without moment sites (a paramagnetic minimum) a cluster kick redraws instead. Hop j draws
/// from the stream `hopStream + j` of the options' seed: the search is deterministic, and a hop
/// is resumable from the start store like any start (its densities follow from the restored
/// records). The descent of a hop is that of any start (aufbau with the run's mixing, its
/// energy-DIIS fallback, then instability following).
extension HartreeFock {
    /// The random stream of hop 0 (streams below are the random and first-order starts).
    static let hopStream: UInt64 = 5000

    /// Occupied and empty levels on each side of E_F among which a particle-hole kick draws.
    public static let hopLevels = 6
    /// Hop j makes 1 + (j / 4) mod hopMoves elementary kicks, of kinds (j + e) mod 4, e = 0, 1, ...:
    /// one-move kicks mostly fall back into the basin they left (10 x 10, W = 9, U = 4).
    public static let hopMoves = 4

    /// The kicked input densities (up then down) of hop `hop` from the minimum with output
    /// densities (`up`, `down`) and input densities `input` (up then down: its orbitals), at
    /// interaction `U`, on the lattice graph of `h0`.
    public static func kick(up: [Double], down: [Double], input: [Double], U: Double, h0: CSRMatrix, particles: Int,
                            seed: UInt64, hop: Int) throws -> [Double] {
        let n = up.count
        var rng = SplitMix64(seed: seed, stream: hopStream + UInt64(hop))
        var u = up, d = down
        let m = zip(up, down).map { $0 - $1 }
        let momentSites = (0..<n).filter { abs(m[$0]) > 0.1 }
        func pick(_ sites: [Int]) -> Int { sites[Int(rng.next() % UInt64(sites.count))] }
        func neighbours(_ i: Int) -> [Int] {
            (Int(h0.rowPointers[i])..<Int(h0.rowPointers[i + 1])).map { Int(h0.columnIndices[$0]) }.filter { $0 != i }
        }
        let occupied = [Int((up.reduce(0, +)).rounded()), Int((down.reduce(0, +)).rounded())]
        var orbitals: [Eigenpairs] = []
        for e in 0..<(1 + (hop / 4) % hopMoves) {
        switch (hop + e) % 4 {
        case 1, 2:
            // Particle-hole excitation in the orbitals of the minimum (same spin, or spin flip).
            for s in orbitals.count..<2 {
                var values = h0.values
                for r in 0..<n {
                    for k in Int(h0.rowPointers[r])..<Int(h0.rowPointers[r + 1]) where Int(h0.columnIndices[k]) == r {
                        values[k] += U * input[(1 - s) * n + r]
                    }
                }
                let h = CSRMatrix(rowCount: n, columnCount: n, rowPointers: h0.rowPointers, columnIndices: h0.columnIndices, values: values)
                orbitals.append(try DenseEigensolver.solve(h, selection: .all, vectors: true))
            }
            let from = Int(rng.next() % 2)
            let to = (hop + e) % 4 == 1 ? from : 1 - from
            let no = occupied[from], ne = n - occupied[to]
            guard no > 0, ne > 0 else { break }
            let a = no - 1 - Int(rng.next() % UInt64(min(hopLevels, no)))
            let b = occupied[to] + Int(rng.next() % UInt64(min(hopLevels, ne)))
            var dens = [u, d]
            let pa = orbitals[from].vector(a), pb = orbitals[to].vector(b)
            for i in 0..<n {
                dens[from][i] = max(0, dens[from][i] - pa[i] * pa[i])
                dens[to][i] = min(1, dens[to][i] + pb[i] * pb[i])
            }
            u = dens[0]; d = dens[1]
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
        }
        return u + d
    }
}
