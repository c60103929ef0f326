import FermiGlassModel
import FermiGlassSolvers

extension GroundStateStudy {
    /// The memory one realization of this study needs on `lattice` at `filling` for `us.count`
    /// interaction values, from the parameters alone (checked before anything is allocated).
    ///
    /// Dense path: every eigenpair (8 N^2 x 3 bytes, ``MemoryPlan/addEigensolve(_:request:sites:)``).
    /// Sparse path: the window's eigenpairs by shift-invert plus the Chebyshev core's vectors
    /// (a block of 16 N-vectors). Both: the first-order problem's chi_ac table of the k window
    /// states (4 k^2 doubles) and the per-U occupations (k x 2) and moment maps (N).
    public func memoryPlan(lattice: Lattice, filling: Filling, interactions us: Int) -> MemoryEstimate {
        let n = lattice.siteCount
        if solver(sites: n) == .patches { return patchMemoryPlan(lattice: lattice, filling: filling, interactions: us) }
        let sparse = solver(sites: n) == .shiftInvert
        let request = sparse
            ? EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: filling.fermiIndex, window: settings.window),
                           vectors: true, engine: settings.engine)
            : EigenRequest(solver: .dense, selection: .all, vectors: true)
        let k = Double(MemoryPlan.stateCount(.fermiWindow(fermiIndex: filling.fermiIndex, window: settings.window), sites: n)
                       ?? min(n, 2 * settings.engine.sliceCapacity))
        let N = Double(n), U = Double(max(us, 1))
        var extra: [(String, Double)] = [("first-order problem (chi_ac of the window states)", 8 * 4 * k * k),
                                         ("occupations and moment maps per U", 8 * U * (N + 2 * k))]
        if sparse || settings.core == .chebyshev { extra.append(("Chebyshev core vectors", 8 * 16 * N)) }
        return MemoryPlan.estimate(sites: n, request: request, extra: extra)
    }
}
