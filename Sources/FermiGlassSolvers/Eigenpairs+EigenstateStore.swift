import FermiGlassModel

/// The dense store: every state a full column of ``Eigenpairs/vectors``. Its quantities keep
/// the BLAS-3 forms (chi = P^T P by dsyrk, projections by dgemm), so the dense path gives the
/// same bits through the store as it did on the columns directly.
extension Eigenpairs: EigenstateStore {
    public var lattice: Lattice? { nil }

    /// 8 bytes per stored amplitude.
    public var bytes: Int { 8 * vectors.count }

    public func support(of a: Int) -> StateSupport { .all }

    public func withAmplitudes<R>(of a: Int, _ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        precondition(hasVectors, "this eigenstate set holds eigenvalues only")
        return try vectors.withUnsafeBufferPointer { v in
            try body(UnsafeBufferPointer(rebasing: v[(a * dimension)..<((a + 1) * dimension)]))
        }
    }

    public func discardedWeight(of a: Int) -> Double { 0 }

    /// P_ia = |phi_a(i)|^2 for the chosen states (all by default), column-major sites x states.
    public func densityMatrix(states: [Int]? = nil) -> [Double] {
        precondition(hasVectors, "densities need eigenvectors")
        let n = dimension
        let sel = states ?? Array(0..<count)
        var p = [Double](repeating: 0, count: n * sel.count)
        vectors.withUnsafeBufferPointer { v in
            p.withUnsafeMutableBufferPointer { pp in
                for (col, a) in sel.enumerated() {
                    for i in 0..<n { let x = v[i + a * n]; pp[i + col * n] = x * x }
                }
            }
        }
        return p
    }

    /// P^T f by one BLAS product.
    public func densityProjection(_ f: [Double]) -> [Double] {
        precondition(f.count == dimension)
        return BLAS.transposeProduct(densityMatrix(), f, rows: dimension, aColumns: count, bColumns: 1)
    }
}
