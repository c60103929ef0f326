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
            throw SolverError.emptySelection("realization \(r): \(message)")
        }
    }
}
