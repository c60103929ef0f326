/// Sparse storage for localized eigenvectors.
///
/// A state localized over L_loc ~ 8 lattice constants (paper, W = 9) has almost all of its
/// weight on a few hundred sites, so on a 1000 x 1000 lattice a dense column (8 MB) is almost
/// entirely zeros. This keeps, per state a, the components with |phi_a(i)|^2 >= `threshold`
/// (site index as Int32 + value: 12 bytes each) and reports the discarded weight
/// w_a = sum over dropped i of |phi_a(i)|^2, so 1 - w_a is the norm^2 kept.
public struct CompressedEigenvectors: Sendable {
    public let dimension: Int
    /// Components with |phi(i)|^2 below this were dropped.
    public let threshold: Double
    /// Per state, the kept site indices (ascending).
    public private(set) var sites: [[Int32]]
    /// Per state, phi_a(i) at the kept sites.
    public private(set) var amplitudes: [[Double]]
    /// Per state, the discarded weight sum |phi_a(i)|^2 over the dropped sites.
    public private(set) var discardedWeight: [Double]

    /// Compresses the eigenvectors of `pairs` (which must hold vectors).
    public init(_ pairs: Eigenpairs, threshold: Double) throws {
        guard pairs.hasVectors else { throw SolverError.invalidArgument("compressed storage needs eigenvectors") }
        guard threshold >= 0, threshold.isFinite else {
            throw SolverError.invalidArgument("the compression threshold on |phi(i)|^2 must be a non-negative number, got \(threshold)")
        }
        dimension = pairs.dimension
        self.threshold = threshold
        sites = []
        amplitudes = []
        discardedWeight = []
        for a in 0..<pairs.count {
            var s = [Int32](), v = [Double](), dropped = 0.0
            for i in 0..<dimension {
                let x = pairs.component(i, of: a)
                if x * x >= threshold && x != 0 { s.append(Int32(i)); v.append(x) } else { dropped += x * x }
            }
            sites.append(s)
            amplitudes.append(v)
            discardedWeight.append(dropped)
        }
    }

    public var count: Int { sites.count }

    /// Bytes held by the kept components.
    public var bytes: Int { sites.reduce(0) { $0 + 12 * $1.count } }

    /// The largest discarded weight over all states.
    public var maxDiscardedWeight: Double { discardedWeight.max() ?? 0 }

    /// State `a` as a dense vector (dropped components are zero).
    public func vector(_ a: Int) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        for (k, i) in sites[a].enumerated() { out[Int(i)] = amplitudes[a][k] }
        return out
    }
}
