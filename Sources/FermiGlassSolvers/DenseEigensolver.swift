import FermiGlassModel

/// The dense reference path: LAPACK on the full `N x N` matrix, O(N^2) memory and O(N^3) time.
/// Exact to rounding for every state; the small-size fast path and the reference every other
/// solver is tested against.
public enum DenseEigensolver {
    /// Which states to return.
    public enum Selection: Sendable, Equatable {
        /// Every eigenpair (dsyevd, divide and conquer).
        case all
        /// Levels `range` of the ascending spectrum, 0-based, half-open (dsyevr).
        case levels(Range<Int>)
        /// Every eigenvalue in the closed interval [lower, upper] (dsyevr).
        case energies(ClosedRange<Double>)
    }

    /// Largest dimension the dense path accepts: the matrix alone takes 8 N^2 bytes.
    public static func memoryEstimate(dimension n: Int, vectors: Bool) -> Int {
        // matrix + eigenvector block (dsyevr) or workspace (dsyevd, ~ 2 N^2 + 6N doubles)
        8 * n * n * (vectors ? 3 : 1) + 64 * n
    }

    /// Every eigenvalue, ascending, of the real symmetric column-major `n x n` matrix `a`, of
    /// which only the lower triangle is read (LAPACK dsyevd, divide and conquer). With `vectors`,
    /// `a` is overwritten by the orthonormal eigenvectors (column j belongs to eigenvalue j);
    /// without, its contents are destroyed.
    public static func symmetric(_ a: inout [Double], dimension n: Int, vectors: Bool) throws -> [Double] {
        guard n > 0, a.count == n * n else {
            throw SolverError.invalidArgument("a dense symmetric \(n) x \(n) matrix needs \(n * n) values, got \(a.count)")
        }
        return try LAPACK.dsyevd(&a, n: n, vectors: vectors)
    }

    /// Eigenpairs of the symmetric matrix `h`, ascending.
    public static func solve(_ h: CSRMatrix, selection: Selection = .all, vectors: Bool = true) throws -> Eigenpairs {
        let n = h.rowCount
        guard n > 0, h.columnCount == n else {
            throw SolverError.invalidArgument("the dense solver needs a non-empty square matrix, got \(h.rowCount) x \(h.columnCount)")
        }
        try MemoryPlan.require(bytes: memoryEstimate(dimension: n, vectors: vectors),
                               what: "the dense eigensolver on \(n) sites")
        var a = h.dense()
        switch selection {
        case .all:
            let w = try LAPACK.dsyevd(&a, n: n, vectors: vectors)
            return Eigenpairs(values: w, vectors: vectors ? a : [], dimension: n, firstLevel: 0)
        case .levels(let r):
            guard r.lowerBound >= 0, r.upperBound <= n, !r.isEmpty else {
                throw SolverError.emptySelection("level range \(r.lowerBound):\(r.upperBound) is empty or outside 0:\(n)")
            }
            let (w, z) = try LAPACK.dsyevr(&a, n: n, vectors: vectors, levels: r, energies: nil)
            return Eigenpairs(values: w, vectors: z, dimension: n, firstLevel: r.lowerBound)
        case .energies(let e):
            guard e.lowerBound.isFinite, e.upperBound.isFinite else {
                throw SolverError.invalidArgument("energy window must be finite, got \(e.lowerBound):\(e.upperBound)")
            }
            // dsyevr's value range is half-open (vl, vu]; widen the lower end by one ulp-scale
            // step so the interval is closed as documented.
            let lower = e.lowerBound.nextDown
            let (w, z) = try LAPACK.dsyevr(&a, n: n, vectors: vectors, levels: nil, energies: (lower, e.upperBound))
            guard !w.isEmpty else {
                throw SolverError.emptySelection("the energy window [\(e.lowerBound), \(e.upperBound)] holds no state")
            }
            return Eigenpairs(values: w, vectors: z, dimension: n, firstLevel: nil)
        }
    }
}
