/// Overlaps between the states of two stores, only where their supports meet:
///
///     G_ac = sum_i f(phi_a(i)) f(psi_c(i)),    f(x) = x (overlaps <phi_a|psi_c>) or
///                                              f(x) = x^2 (density overlaps chi_ac, Eqs. 9-10)
///
/// States are taken in blocks of consecutive indices. For a block pair, the sites both blocks'
/// supports cover are gathered into two small dense matrices and multiplied by one BLAS-3
/// product; a pair of blocks with no common site costs one pass over the second block's
/// supports and no product. Stores sorted by position (the patch solvers' output, which is
/// grouped by patch) therefore cost O(states x support), not O(states^2 x sites).
public enum StateOverlaps {
    /// States per block.
    public static let blockSize = 128

    /// Calls `body(rows, cols, G)` for every block pair that shares at least one site, with
    /// `rows` the indices into `a`, `cols` the indices into `b`, and G (rows.count x cols.count,
    /// column-major). `upperOnly`: for a store against itself, only block pairs (I, J) with
    /// J >= I. Block pairs come in a fixed order (I ascending, then J ascending).
    public static func forEachBlock<A: EigenstateStore, B: EigenstateStore>(
        _ a: A, _ b: B, squared: Bool, upperOnly: Bool = false, blockSize: Int = blockSize,
        _ body: (Range<Int>, Range<Int>, [Double]) -> Void
    ) {
        precondition(a.dimension == b.dimension, "overlaps of states on \(a.dimension) and \(b.dimension) sites")
        let n = a.dimension
        // row[i]: the row of site i in the current block of `a` (-1: not covered).
        var row = [Int32](repeating: -1, count: n)
        // pos[i]: the position of site i among the common sites of the current block pair.
        var pos = [Int32](repeating: -1, count: n)
        func f(_ x: Double) -> Double { squared ? x * x : x }
        var i0 = 0
        while i0 < a.count {
            let rows = i0..<min(a.count, i0 + blockSize)
            // The union of the block's supports, in first-seen order, and its dense matrix.
            var union = [Int]()
            for s in rows { a.forEachComponent(of: s) { i, _ in if row[i] < 0 { row[i] = Int32(union.count); union.append(i) } } }
            var d = [Double](repeating: 0, count: union.count * rows.count)
            for (c, s) in rows.enumerated() {
                a.forEachComponent(of: s) { i, x in d[Int(row[i]) + c * union.count] = f(x) }
            }
            var j0 = upperOnly ? i0 : 0
            while j0 < b.count {
                let cols = j0..<min(b.count, j0 + blockSize)
                var common = [Int]()
                for s in cols {
                    b.forEachComponent(of: s) { i, _ in if row[i] >= 0 && pos[i] < 0 { pos[i] = Int32(common.count); common.append(i) } }
                }
                if !common.isEmpty && 2 * common.count >= union.count {
                    // Most of the first block's sites are shared: multiply its matrix as it is,
                    // against the second block laid out on the same rows (zero off the common sites).
                    let m = union.count
                    var gb = [Double](repeating: 0, count: m * cols.count)
                    for (c, s) in cols.enumerated() {
                        b.forEachComponent(of: s) { i, x in if pos[i] >= 0 { gb[Int(row[i]) + c * m] = f(x) } }
                    }
                    body(rows, cols, BLAS.transposeProduct(d, gb, rows: m, aColumns: rows.count, bColumns: cols.count))
                    for i in common { pos[i] = -1 }
                } else if !common.isEmpty {
                    // A small overlap: gather the common rows of both blocks.
                    let m = common.count
                    var ga = [Double](repeating: 0, count: m * rows.count), gb = [Double](repeating: 0, count: m * cols.count)
                    for c in 0..<rows.count {
                        for (p, i) in common.enumerated() { ga[p + c * m] = d[Int(row[i]) + c * union.count] }
                    }
                    for (c, s) in cols.enumerated() {
                        b.forEachComponent(of: s) { i, x in if pos[i] >= 0 { gb[Int(pos[i]) + c * m] = f(x) } }
                    }
                    body(rows, cols, BLAS.transposeProduct(ga, gb, rows: m, aColumns: rows.count, bColumns: cols.count))
                    for i in common { pos[i] = -1 }
                }
                j0 += blockSize
            }
            for i in union { row[i] = -1 }
            i0 += blockSize
        }
    }

    /// The dense a.count x b.count matrix G (column-major); zero where supports do not meet.
    public static func matrix<A: EigenstateStore, B: EigenstateStore>(_ a: A, _ b: B, squared: Bool) -> [Double] {
        var g = [Double](repeating: 0, count: a.count * b.count)
        let ka = a.count
        forEachBlock(a, b, squared: squared) { rows, cols, block in
            for (j, c) in cols.enumerated() { for (i, r) in rows.enumerated() { g[r + c * ka] = block[i + j * rows.count] } }
        }
        return g
    }
}

extension StateOverlaps {
    /// The symmetric a.count x a.count matrix G of a store with itself (both triangles filled),
    /// from the block pairs J >= I only.
    public static func symmetricMatrix<A: EigenstateStore>(_ a: A, squared: Bool) -> [Double] {
        let k = a.count
        var g = [Double](repeating: 0, count: k * k)
        forEachBlock(a, a, squared: squared, upperOnly: true) { rows, cols, block in
            for (j, c) in cols.enumerated() {
                for (i, r) in rows.enumerated() where r <= c {
                    let v = block[i + j * rows.count]
                    g[r + c * k] = v
                    g[c + r * k] = v
                }
            }
        }
        return g
    }
}
