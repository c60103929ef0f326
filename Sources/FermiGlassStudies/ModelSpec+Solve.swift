import FermiGlassModel
import FermiGlassSolvers

extension ModelSpec {
    /// Realization `r`: its model, H0 and the solution of `request` (``Eigensolver``). In a run
    /// of several realizations an empty selection names the realization.
    public func solve(realization r: Int, _ request: EigenRequest) throws -> (model: DisorderedModel, hamiltonian: CSRMatrix, solution: EigenSolution) {
        let m = try model(realization: r)
        let h = m.hamiltonian()
        var request = request
        if request.model == nil { request.model = m }
        do {
            return (m, h, try Eigensolver.solve(h, request))
        } catch SolverError.emptySelection(let message) where realizations.count > 1 {
            throw StudyError.emptySelection("realization \(r): \(message)")
        }
    }
}

extension ModelSpec {
    /// Every eigenvalue of H0 lies in [min_i H_ii - r, max_i H_ii + r], r = 4|t1| + 4|t2|
    /// (Gershgorin): the on-site energies are W_i - mu with |W_i| <= W/2, or those of the
    /// disorder file.
    public func spectralBound() throws -> ClosedRange<Double> {
        let p = parameters
        let r = 4 * abs(p.t1) + 4 * abs(p.t2)
        var lo = -p.disorderStrength / 2, hi = p.disorderStrength / 2
        if disorderFile != nil {
            let w = try model(realization: realizations[0]).onsiteEnergies
            lo = w.min() ?? 0; hi = w.max() ?? 0
        }
        return (lo - p.mu - r)...(hi - p.mu + r)
    }
}
