/// A real sparse matrix in compressed sparse row (CSR) form.
///
/// Row `r` holds the entries `values[k]` at columns `columnIndices[k]` for
/// `k in rowPointers[r] ..< rowPointers[r + 1]`. FermiGlass keeps every row sorted by column and
/// free of duplicates; Hamiltonians are symmetric and store both triangles and the full diagonal
/// (an explicit zero where the on-site energy vanishes), which the LDL^T factorization relies on.
public struct CSRMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    public let rowPointers: [Int]
    public let columnIndices: [Int32]
    public let values: [Double]

    public init(rowCount: Int, columnCount: Int, rowPointers: [Int], columnIndices: [Int32], values: [Double]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.rowPointers = rowPointers
        self.columnIndices = columnIndices
        self.values = values
        #if FERMIGLASS_INTERNAL_CHECKS
        if let problem = structuralProblem() { preconditionFailure("CSRMatrix invariant: \(problem)") }
        #endif
    }

    /// Number of stored entries.
    public var nonzeroCount: Int { values.count }

    /// The entry `(row, column)`, zero where nothing is stored (binary search within the row).
    public subscript(row: Int, column: Int) -> Double {
        var lo = rowPointers[row], hi = rowPointers[row + 1]
        let c = Int32(column)
        while lo < hi {
            let mid = (lo + hi) / 2
            if columnIndices[mid] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowPointers[row + 1] && columnIndices[lo] == c ? values[lo] : 0
    }

    /// y = A x.
    public func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == columnCount)
        var y = [Double](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in multiply(xp, into: yp) }
        }
        return y
    }

    /// y = A x into caller-owned storage (no allocation; for iterative solvers).
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        rowPointers.withUnsafeBufferPointer { rp in
            columnIndices.withUnsafeBufferPointer { ci in
                values.withUnsafeBufferPointer { v in
                    for r in 0..<rowCount {
                        var s = 0.0
                        for k in rp[r]..<rp[r + 1] { s += v[k] * x[Int(ci[k])] }
                        y[r] = s
                    }
                }
            }
        }
    }

    /// The matrix as a dense column-major array (`rowCount * columnCount`), for the dense path.
    /// For a symmetric matrix, row- and column-major coincide.
    public func dense() -> [Double] {
        var a = [Double](repeating: 0, count: rowCount * columnCount)
        for r in 0..<rowCount {
            for k in rowPointers[r]..<rowPointers[r + 1] {
                a[r + Int(columnIndices[k]) * rowCount] = values[k]
            }
        }
        return a
    }

    /// Max over rows of sum_j |A_ij|: the infinity norm, an upper bound on the spectral radius
    /// and the scale ||H|| used in eigenvalue tolerances.
    public var infinityNorm: Double {
        var best = 0.0
        for r in 0..<rowCount {
            var s = 0.0
            for k in rowPointers[r]..<rowPointers[r + 1] { s += abs(values[k]) }
            best = max(best, s)
        }
        return best
    }

    /// Nil when the structure is valid: pointer array of the right length starting at 0 and
    /// non-decreasing, columns in range and strictly increasing within each row, finite values.
    public func structuralProblem() -> String? {
        Self.structuralProblem(rowCount: rowCount, columnCount: columnCount, rowPointers: rowPointers,
                               columnIndices: columnIndices, values: values)
    }

    /// The same check on raw CSR arrays, before a matrix is built from them (e.g. read from a
    /// file, where a bad structure is an input error, not a broken invariant).
    public static func structuralProblem(rowCount: Int, columnCount: Int, rowPointers: [Int],
                                         columnIndices: [Int32], values: [Double]) -> String? {
        guard rowCount >= 0, columnCount >= 0 else { return "negative dimension \(rowCount) x \(columnCount)" }
        guard rowPointers.count == rowCount + 1 else { return "rowPointers has \(rowPointers.count) entries for \(rowCount) rows" }
        guard rowPointers.first == 0, rowPointers.last == values.count else { return "rowPointers does not span the values" }
        guard columnIndices.count == values.count else { return "columnIndices and values differ in length" }
        for r in 0..<rowCount {
            let lo = rowPointers[r], hi = rowPointers[r + 1]
            guard lo <= hi else { return "rowPointers decreases at row \(r)" }
            var previous: Int32 = -1
            for k in lo..<hi {
                let c = columnIndices[k]
                guard c >= 0, Int(c) < columnCount else { return "column \(c) out of range in row \(r)" }
                guard c > previous else { return "row \(r) is not sorted or has a duplicate column \(c)" }
                guard values[k].isFinite else { return "non-finite value at (\(r), \(c))" }
                previous = c
            }
        }
        return nil
    }

    /// Nil when the matrix is exactly symmetric (same pattern, same values), else the first
    /// offending entry.
    public func symmetryProblem() -> String? {
        guard rowCount == columnCount else { return "matrix is not square" }
        for r in 0..<rowCount {
            for k in rowPointers[r]..<rowPointers[r + 1] {
                let c = Int(columnIndices[k])
                if self[c, r] != values[k] { return "H[\(r), \(c)] = \(values[k]) but H[\(c), \(r)] = \(self[c, r])" }
            }
        }
        return nil
    }
}
