import FermiGlassModel
import FermiGlassSolvers

extension HartreeFock {
    /// Window half-width (levels on each side of E_F) of the first-order problem behind the
    /// first-order starts: the paper's levels:100 at 60 x 60.
    public static let firstOrderWindow = 100
}

extension HartreeFock {
    /// The densities (n_up then n_dn per site) of the `count` first-order starts of a free-mode
    /// search at `options.U` (see the Problem's `firstOrderStarts`).
    public static func firstOrderStartDensities(h0: CSRMatrix, particles: Int, options: HartreeFockOptions,
                                                count: Int) throws -> [[Double]] {
        try Problem(h0: h0, particles: particles, options: options).firstOrderStarts(count: count)
    }
}

extension HartreeFock.Problem {
    /// Free-mode starts from the first-order ground state (the paper's Eq. 13): the occupations
    /// n_a,s in {0, 1} of H0's levels a in a window of ``HartreeFock/firstOrderWindow`` levels
    /// on each side of E_F that minimize
    ///
    ///     E1({n}) = sum_{a,s} xi_a n_as + U sum_{a,c} chi_ac n_a,up n_c,dn
    ///
    /// (``GroundStateProblem`` with the levels below the window doubly occupied,
    /// ``LocalSearchMinimizer`` with its defaults), turned into the densities of that
    /// determinant of H0 orbitals, n_s(i) = n_core(i) + sum_a n_a,s |phi_a(i)|^2. Its moment map
    /// m_i = n_up(i) - n_dn(i) is the one `ground-state` writes (spins of the singly occupied
    /// levels aligned). E1 does not depend on the relative orientation of those spins, HF does:
    /// start k >= 1 flips each singly occupied level's spin with probability 1/2 (seeded, stream
    /// 1000 + k). Empty when there is no level on one side of E_F.
    func firstOrderStarts(count: Int) throws -> [[Double]] {
        let occupied = particles / 2
        guard count > 0, occupied > 0, occupied < n else { return [] }
        let pairs = try DenseEigensolver.solve(h0, selection: .all, vectors: true)
        let k = min(HartreeFock.firstOrderWindow, occupied, n - occupied)
        let window = (occupied - k)..<(occupied + k + (particles % 2 == 1 && occupied + k < n ? 1 : 0))
        let problem = try GroundStateProblem(pairs: pairs, window: window, totalParticles: particles)
        let ground = LocalSearchMinimizer(seed: options.seed).run(problem, U: options.U).occupations
        let core = GroundStateProblem.coreDensity(pairs: pairs, below: window.lowerBound)
        let states = pairs.subset(window)
        var starts: [[Double]] = []
        for s in 0..<count {
            var o = ground
            if s > 0 {
                var rng = SplitMix64(seed: options.seed, stream: 1000 + UInt64(s))
                for a in 0..<o.count where o.up[a] != o.dn[a] && rng.next() & 1 == 1 { swap(&o.up[a], &o.dn[a]) }
            }
            let up = states.weightedDensity(o.up.map { Double($0) })
            let dn = states.weightedDensity(o.dn.map { Double($0) })
            starts.append(zip(core, up).map { $0 + $1 } + zip(core, dn).map { $0 + $1 })
        }
        return starts
    }
}
