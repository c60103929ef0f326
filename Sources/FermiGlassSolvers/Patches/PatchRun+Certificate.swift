import FermiGlassModel

extension PatchRun {
    /// The certificate of CONVENTIONS.md §5 and the per-state error bounds, into ``report``.
    ///
    /// Error bound of E_a: the residual r_a (Weinstein: an eigenvalue lies within r_a of the
    /// Rayleigh quotient), or r_a^2 / delta_a (Kato-Temple) when the count is certified, so that
    /// every eigenvalue in the window is one of the returned ones: delta_a is the distance from
    /// E_a to the nearest other eigenvalue, at least min over b != a of |E_a - E_b| - r_b and
    /// the distance to the window edges (beyond which eigenvalues may lie arbitrarily close),
    /// used when delta_a > r_a.
    mutating func certify(_ states: [PatchState], store: LocalEigenstates, expected: Int) {
        let n = states.count
        let (lower, upper) = report.window
        let residuals = states.map(\.residual)
        var reasons = [String]()
        if n != expected {
            reasons.append("the inertia counts of the whole lattice give \(expected) levels in [\(lower), \(upper)) but the patches returned \(n) (\(n < expected ? "\(expected - n) missing" : "\(n - expected) too many"))")
        }
        let above = states.indices.filter { residuals[$0] > tolerance }
        if !above.isEmpty {
            let named = above.prefix(20).map { "\($0) (E = \(states[$0].value), r = \(residuals[$0]))" }.joined(separator: ", ")
            reasons.append("\(above.count) states above the residual tolerance \(tolerance) (tol \(options.residualTolerance) x ||H||_inf): \(named)\(above.count > 20 ? ", ..." : "")")
        }
        let orthogonality = maxOrthogonalityError(states)
        if !(orthogonality <= orthogonalityTolerance) {
            reasons.append("states not orthonormal: max |<phi_a|phi_b> - delta_ab| = \(orthogonality) > \(orthogonalityTolerance)")
        }
        var bounds = residuals
        if n == expected {
            for a in 0..<n {
                var delta = min(states[a].value - lower, upper - states[a].value)
                if a > 0 { delta = min(delta, states[a].value - states[a - 1].value - residuals[a - 1]) }
                if a + 1 < n { delta = min(delta, states[a + 1].value - states[a].value - residuals[a + 1]) }
                if delta > residuals[a] { bounds[a] = residuals[a] * residuals[a] / delta }
            }
        }
        let edges = states.indices.filter { states[$0].value - lower <= bounds[$0] || upper - states[$0].value <= bounds[$0] }
        if !edges.isEmpty {
            reasons.append("states within their error bound of a window edge: " + edges.map { "\($0) (E = \(states[$0].value), bound \(bounds[$0]))" }.joined(separator: ", "))
        }
        report.bounds = bounds
        report.residuals = residuals
        report.patchOfState = states.map(\.patch)
        report.passOfState = states.map(\.pass)
        report.certificate = PatchCertificate(expected: expected, found: n, residualTolerance: tolerance,
                                              maxResidual: residuals.max() ?? 0, aboveTolerance: above,
                                              orthogonalityTolerance: orthogonalityTolerance,
                                              maxOrthogonalityError: orthogonality, atEdges: edges, reasons: reasons)
    }
}
