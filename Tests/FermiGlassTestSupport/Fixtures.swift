import FermiGlassModel

/// Small models and matrices that tests of several layers build the same way.
public enum Fixtures {
    /// Realization 0 of `seed` of the t-t'-W model on an L x L lattice (t1 = 1; t2, W given).
    public static func model(_ l: Int, t2: Double = 0, w: Double = 0, seed: UInt64 = 3, boundary: Boundary = .periodic) throws -> DisorderedModel {
        let lattice = try Lattice(lx: l, ly: l, boundary: boundary)
        return try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: t2, disorderStrength: w),
                                   seed: seed, realization: 0)
    }

    /// The column-major n x n matrix `a` in CSR form, every entry stored (zeros too), so that a
    /// dense operator can go through the CSR solvers.
    public static func denseCSR(_ a: [Double], _ n: Int) -> CSRMatrix {
        var rp = [0], c = [Int32](), v = [Double]()
        for r in 0..<n {
            for j in 0..<n { c.append(Int32(j)); v.append(a[r + j * n]) }
            rp.append(c.count)
        }
        return CSRMatrix(rowCount: n, columnCount: n, rowPointers: rp, columnIndices: c, values: v)
    }
}
