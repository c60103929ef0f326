import FermiGlassModel

/// A real symmetric linear operator A on R^n, applied to blocks of column-major vectors: the
/// one interface every iterative method of FermiGlass (block Krylov-Schur, the kernel
/// polynomial method, the Hartree-Fock Hessian) is written against.
///
/// Implementations: ``CSRMatrix`` (a sparse Hamiltonian), a dense symmetric matrix, the
/// shifted inverse (H - sigma I)^-1 through an LDL^T factor, the static spin susceptibility Pi
/// of the paper's Appendix A, and matrix-free lattice stencils.
public protocol LinearOperator {
    /// n: the number of rows (and columns) of A.
    var dimension: Int { get }

    /// Y = A X for `columns` column-major vectors: `x` and `y` each hold `dimension * columns`
    /// doubles (leading dimension `dimension`) and do not overlap. Must be deterministic: the
    /// same X gives bit-identical Y.
    func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws
}

extension LinearOperator {
    /// Y = A X on arrays (column-major, `dimension x columns`): convenience for tests and small
    /// problems.
    public func apply(_ x: [Double], columns: Int) throws -> [Double] {
        precondition(x.count == dimension * columns, "the block holds \(x.count) values, not \(dimension) x \(columns)")
        var y = [Double](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { yp in
                guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
                try apply(xb, into: yb, columns: columns)
            }
        }
        return y
    }
}

extension CSRMatrix: LinearOperator {
    /// The number of rows; the operator interface requires a square matrix.
    public var dimension: Int { rowCount }

    /// Y = H X, one sparse product per column (the order of every sum as in
    /// ``CSRMatrix/multiply(_:into:)``, so a column gives the same bits as a single product).
    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        precondition(rowCount == columnCount, "a LinearOperator must be square, got \(rowCount) x \(columnCount)")
        let n = rowCount
        for c in 0..<columns {
            multiply(UnsafeBufferPointer(start: x + c * n, count: n), into: UnsafeMutableBufferPointer(start: y + c * n, count: n))
        }
    }
}
