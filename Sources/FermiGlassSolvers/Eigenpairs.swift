import FermiGlassModel

/// A set of eigenpairs H phi_a = xi_a phi_a of a real symmetric matrix, eigenvalues ascending.
///
/// `vectors` is column-major, `dimension x count`: column `a` is phi_a, real and normalised.
/// It is empty when only eigenvalues were asked for. `firstLevel` is the global (0-based) index
/// of the first returned level in the full ascending spectrum when it is known (dense index
/// ranges, inertia-certified windows), nil otherwise.
public struct Eigenpairs: Sendable {
    public var values: [Double]
    public var vectors: [Double]
    public let dimension: Int
    public var firstLevel: Int?

    public init(values: [Double], vectors: [Double], dimension: Int, firstLevel: Int? = nil) {
        precondition(vectors.isEmpty || vectors.count == values.count * dimension,
                     "eigenvector storage does not match \(values.count) vectors of length \(dimension)")
        self.values = values
        self.vectors = vectors
        self.dimension = dimension
        self.firstLevel = firstLevel
    }

    public var count: Int { values.count }
    public var hasVectors: Bool { !vectors.isEmpty }

    /// Component `i` of eigenvector `a`.
    @inlinable public func component(_ i: Int, of a: Int) -> Double { vectors[i + a * dimension] }

    /// Eigenvector `a` as an array.
    public func vector(_ a: Int) -> [Double] { Array(vectors[(a * dimension)..<((a + 1) * dimension)]) }

    /// A subset of the pairs (indices into this set, ascending order kept as given).
    public func subset(_ indices: Range<Int>) -> Eigenpairs {
        let v = hasVectors ? Array(vectors[(indices.lowerBound * dimension)..<(indices.upperBound * dimension)]) : []
        return Eigenpairs(values: Array(values[indices]), vectors: v, dimension: dimension,
                          firstLevel: firstLevel.map { $0 + indices.lowerBound })
    }

    /// ||H phi_a - xi_a phi_a||_2 for every state: one sparse product per column.
    public func residuals(of h: CSRMatrix) -> [Double] {
        guard hasVectors else { return [] }
        var out = [Double](repeating: 0, count: count)
        var y = [Double](repeating: 0, count: dimension)
        vectors.withUnsafeBufferPointer { v in
            y.withUnsafeMutableBufferPointer { yp in
                for a in 0..<count {
                    let col = UnsafeBufferPointer(rebasing: v[(a * dimension)..<((a + 1) * dimension)])
                    h.multiply(col, into: yp)
                    var s = 0.0
                    for i in 0..<dimension { let r = yp[i] - values[a] * col[i]; s += r * r }
                    out[a] = s.squareRoot()
                }
            }
        }
        return out
    }

    /// max_a ||H phi_a - xi_a phi_a||_2 (NaN without vectors).
    public func maxResidual(of h: CSRMatrix) -> Double {
        guard hasVectors else { return .nan }
        return residuals(of: h).reduce(0) { max($0, $1) }
    }

    /// max_{a,b} |phi_a . phi_b - delta_ab|, computed with one BLAS-3 product.
    public func maxOrthogonalityError() -> Double {
        guard hasVectors, count > 0 else { return .nan }
        let g = BLAS.gramian(vectors, rows: dimension, columns: count)
        var worst = 0.0
        for b in 0..<count {
            for a in 0...b {
                let target = a == b ? 1.0 : 0.0
                worst = max(worst, abs(g[a + b * count] - target))
            }
        }
        return worst
    }
}

extension Eigenpairs {
    /// The eigenvectors in site-major (C) order of shape (dimension, count): element
    /// `[i * count + a]` is phi_a(i). This is the layout of `eigenvectors.npy` (one column per
    /// state).
    public func vectorsSiteMajor() -> [Double] {
        var out = [Double](repeating: 0, count: vectors.count)
        for a in 0..<count {
            for i in 0..<dimension { out[i * count + a] = vectors[i + a * dimension] }
        }
        return out
    }
}
