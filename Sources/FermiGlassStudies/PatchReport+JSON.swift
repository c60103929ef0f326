import FermiGlassIO
import FermiGlassSolvers

extension PatchReport {
    /// The patch solver's block of summary.json: layout (interior, halo, patches), the pilot's
    /// halos, the margin, the certified window, the passes, the repairs and the certificate
    /// (CONVENTIONS.md §5: count, residuals, orthogonality, edges, and why it failed).
    public var json: JSON {
        var out: [(String, JSON)] = []
        if let reason = fallback { out.append(("fallback", .string(reason))) }
        if let l = layout {
            out.append(("layout", .object([("interior", .int(l.interior)), ("halo", .int(l.halo)), ("patches", .int(l.count)),
                                           ("columns", .int(l.columns)), ("rows", .int(l.rows))])))
        }
        out.append(("pilot", .array(pilot.map { .object([("halo", .int($0.halo)), ("residual_p90_relative", .number($0.maxResidual))]) })))
        out.append(("margin", .number(margin)))
        out.append(("window", .object([("lower", .number(window.lower)), ("upper", .number(window.upper))])))
        out.append(("passes", .array(passes.map { .object([("name", .string($0.name)), ("patch_solves", .int($0.solves)), ("states", .int($0.states))]) })))
        out += [("duplicates_removed", .int(duplicatesRemoved)), ("resolved_states", .int(resolved)),
                ("rayleigh_ritz_clusters", .int(rayleighRitzClusters))]
        if let c = certificate {
            out.append(("certificate", .object([
                ("certified", .bool(c.certified)), ("expected_by_inertia", .int(c.expected)), ("found", .int(c.found)),
                ("residual_tolerance", .number(c.residualTolerance)), ("max_residual", .number(c.maxResidual)),
                ("states_above_tolerance", .array(c.aboveTolerance.map { .int($0) })),
                ("orthogonality_tolerance", .number(c.orthogonalityTolerance)),
                ("max_orthogonality_error", .number(c.maxOrthogonalityError)),
                ("states_at_edges", .array(c.atEdges.map { .int($0) })),
                ("reasons", .array(c.reasons.map { .string($0) })),
                ("max_error_bound", .number(bounds.max() ?? 0)),
            ])))
        }
        return .object(out)
    }
}
