extension DisorderedModel {
    /// H0 restricted to a region: the principal sub-block H0[R, R] in the region's local
    /// numbering (l = u + width * v), i.e. the open sub-lattice Hamiltonian of the rectangle
    /// with the same on-site energies W_i - mu and every hopping t1, t2 between two of its
    /// sites. Bonds that leave the region are cut; a region that covers a periodic direction
    /// completely keeps its wrap-around bonds there (``Lattice/Region/periodicX``).
    ///
    /// A state localized well inside the region is, to the weight it has near the cut bonds,
    /// an eigenstate of this matrix: the patch solvers solve it and check the result on the
    /// whole lattice.
    public func hamiltonian(on r: Lattice.Region) -> CSRMatrix {
        let m = r.siteCount
        let bonds = self.bonds.filter { $0.t != 0 }
        var rowPointers = [Int](repeating: 0, count: m + 1)
        var columns = [Int32](), values = [Double]()
        columns.reserveCapacity(m * (bonds.count + 1))
        values.reserveCapacity(m * (bonds.count + 1))
        var row = [(Int32, Double)]()
        for l in 0..<m {
            let i = lattice.globalSite(l, in: r)
            row.removeAll(keepingCapacity: true)
            row.append((Int32(l), onsiteEnergies[i] - parameters.mu))
            for b in bonds {
                if let j = lattice.neighbour(of: i, dx: b.dx, dy: b.dy), let lj = lattice.localSite(of: j, in: r) {
                    row.append((Int32(lj), b.t))
                }
            }
            row.sort { $0.0 < $1.0 }
            var k = 0
            while k < row.count {
                var v = row[k].1
                var n = k + 1
                while n < row.count && row[n].0 == row[k].0 { v += row[n].1; n += 1 }
                columns.append(row[k].0)
                values.append(v)
                k = n
            }
            rowPointers[l + 1] = columns.count
        }
        let h = CSRMatrix(rowCount: m, columnCount: m, rowPointers: rowPointers, columnIndices: columns, values: values)
        #if FERMIGLASS_INTERNAL_CHECKS
        if let p = h.symmetryProblem() { preconditionFailure("region Hamiltonian is not symmetric: \(p)") }
        #endif
        return h
    }
}
