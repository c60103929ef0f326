/// Which end of a symmetric operator's spectrum an iterative eigensolver converges.
public enum SpectrumEnd: Sendable {
    /// The largest |theta|: the shift-invert engine, where theta = 1 / (xi - sigma) of
    /// (H - sigma I)^-1 picks the levels xi nearest sigma.
    case largestMagnitude
    /// The largest theta: the spin susceptibility Pi of linear stability (U lambda_max(Pi) >= 1
    /// is the Stoner criterion, paper Appendix A), which can be indefinite.
    case largestAlgebraic
    /// The smallest theta: the lowest levels of a Hamiltonian, the softest modes of a Hessian.
    case smallestAlgebraic
}

/// Eigenpairs of a symmetric ``LinearOperator`` from ``BlockKrylovSchur``.
public struct KrylovEigenpairs: Sendable {
    /// Ritz values, wanted end first: by |theta| descending (``SpectrumEnd/largestMagnitude``),
    /// descending (``SpectrumEnd/largestAlgebraic``) or ascending
    /// (``SpectrumEnd/smallestAlgebraic``).
    public var values: [Double]
    /// Orthonormal Ritz vectors, column-major `dimension x values.count`, in the order of `values`.
    public var vectors: [Double]
    /// ||A y - theta y|| per pair: the Ritz estimate from the Krylov relation (exact in exact
    /// arithmetic; for a locked pair, its value when it was locked).
    public var residuals: [Double]
    /// Thick restarts used.
    public var restarts: Int
    /// Operator applications (vectors, not blocks).
    public var applications: Int
    /// Seconds in orthogonalization and in Rayleigh-Ritz/restart steps.
    public var phases: BlockKrylovSchur.Phases

    public init(values: [Double], vectors: [Double], residuals: [Double], restarts: Int, applications: Int,
                phases: BlockKrylovSchur.Phases = BlockKrylovSchur.Phases()) {
        self.values = values
        self.vectors = vectors
        self.residuals = residuals
        self.restarts = restarts
        self.applications = applications
        self.phases = phases
    }
}

extension Array where Element == Double {
    /// Permutes the columns of a column-major `rows x count` matrix in place: column c takes
    /// the old column `source[c]` (`source` a permutation of 0 ..< count). One cycle at a time
    /// with a single spare column, so no copy of the matrix (8 rows count bytes) is made.
    mutating func permuteColumns(rows n: Int, source: [Int]) {
        let p = source.count
        precondition(count == n * p, "a \(n) x \(p) matrix holds \(n * p) values, not \(count)")
        guard source != Array<Int>(0..<p) else { return }
        var done = [Bool](repeating: false, count: p)
        var spare = [Double](repeating: 0, count: n)
        withUnsafeMutableBufferPointer { vp in
            let base = vp.baseAddress!
            for start in 0..<p where !done[start] && source[start] != start {
                spare.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: base + start * n, count: n) }
                var c = start
                while true {
                    done[c] = true
                    let from = source[c]
                    if from == start {
                        spare.withUnsafeBufferPointer { (base + c * n).update(from: $0.baseAddress!, count: n) }
                        break
                    }
                    (base + c * n).update(from: base + from * n, count: n)
                    c = from
                }
            }
        }
    }
}
