/// What a ground-state configuration looks like (CONVENTIONS.md §2; issue 4).
///
/// * polarized: singly occupied window levels (each carries a local moment);
/// * |S_z| = |N_up - N_dn| / 2. At first order E1 depends only on the occupations, and moments
///   on distant (non-overlapping) levels do not interact, so the relative orientation of
///   distant moments is degenerate: |S_z| is one representative of a degenerate manifold, not
///   a prediction of ferromagnetism;
/// * doubly occupied and empty window levels; for attractive U the local pairs are the doubly
///   occupied levels above E_F (window index >= the sea's occupied count), with as many holes
///   (empty levels below E_F) when no level is polarized;
/// * the real-space moment map m_i = sum_a (n_a,up - n_a,dn) |phi_a(i)|^2 (needs the window
///   states) and the number of sites with |m_i| above `momentThreshold`. It is kept sparse:
///   the sites where m_i != 0 (ascending) and their values; on compressed states that is the
///   union of the polarized states' supports, not the lattice.
public struct GroundStateObservables: Sendable, Codable {
    public let energy: Double
    public let polarized: Int
    public let totalSz: Double
    public let doublyOccupied: Int
    public let empty: Int
    public let pairsAboveFermi: Int
    public let holesBelowFermi: Int
    /// Sites (ascending) where m_i != 0 (empty when the problem keeps no window states).
    public let momentSites: [Int]
    /// m_i at `momentSites`.
    public let momentValues: [Double]
    /// Sites of the lattice (the length of the dense map), 0 when no states are kept.
    public let siteCount: Int
    public let momentThreshold: Double
    public let sitesAboveThreshold: Int

    public init(problem: GroundStateProblem, result: GroundStateResult, U: Double, momentThreshold: Double = 0.05) {
        let o = result.occupations
        energy = result.energy
        polarized = o.polarized
        totalSz = o.totalSz
        doublyOccupied = o.doublyOccupied
        empty = o.empty
        let f = problem.fermiOccupied
        var pairs = 0, holes = 0
        for a in 0..<o.count {
            if a >= f && o.up[a] == 1 && o.dn[a] == 1 { pairs += 1 }
            if a < f && o.up[a] == 0 && o.dn[a] == 0 { holes += 1 }
        }
        pairsAboveFermi = pairs
        holesBelowFermi = holes
        var sites = [Int](), values = [Double]()
        if let states = problem.states {
            // One transient N-vector (O(V)); only its nonzeros are kept.
            let m = states.weightedDensity((0..<o.count).map { a in o.up[a] == o.dn[a] ? 0 : (o.up[a] == 1 ? 1.0 : -1.0) })
            for (i, x) in m.enumerated() where x != 0 { sites.append(i); values.append(x) }
        }
        momentSites = sites
        momentValues = values
        siteCount = problem.states?.dimension ?? 0
        self.momentThreshold = momentThreshold
        sitesAboveThreshold = values.reduce(0) { $0 + (abs($1) > momentThreshold ? 1 : 0) }
    }

    /// The dense moment map m_i, one value per site (zeros off the stored sites): O(V).
    public var moments: [Double] {
        var m = [Double](repeating: 0, count: siteCount)
        for (i, x) in zip(momentSites, momentValues) { m[i] = x }
        return m
    }
}
