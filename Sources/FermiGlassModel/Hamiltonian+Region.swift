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
        assemble(rows: r.siteCount, site: { lattice.globalSite($0, in: r) }, local: { lattice.localSite(of: $0, in: r) })
    }
}
