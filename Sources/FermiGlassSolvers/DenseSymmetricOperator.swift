/// A dense real symmetric matrix as a ``LinearOperator``: Y = A X by one BLAS-3 product per
/// block (dsymm, which reads only the lower triangle, so the operator is exactly symmetric
/// whatever rounding the upper triangle carries). For small operators, reference solutions in
/// tests, and projected problems.
public struct DenseSymmetricOperator: LinearOperator, Sendable {
    public let dimension: Int
    /// The matrix, column-major `dimension x dimension`; the lower triangle defines A.
    public let matrix: [Double]

    /// A from a column-major `n x n` matrix (its lower triangle is used).
    public init(_ matrix: [Double], dimension n: Int) throws {
        guard n > 0, matrix.count == n * n else {
            throw SolverError.invalidArgument("a dense \(n) x \(n) operator needs \(n * n) values, got \(matrix.count)")
        }
        guard matrix.allSatisfy(\.isFinite) else { throw SolverError.invalidArgument("the dense operator has a NaN or infinite entry") }
        dimension = n
        self.matrix = matrix
    }

    /// Y = A X for `columns` column-major vectors (dsymm).
    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        matrix.withUnsafeBufferPointer { a in
            BLAS.symmetricMultiply(a.baseAddress!, x, into: y, m: dimension, n: columns)
        }
    }
}
