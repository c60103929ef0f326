import FermiGlassIO
import FermiGlassSolvers

extension LocalEigenstates {
    /// How a window was held, for summary.json: bytes of the compressed states against the same
    /// states as dense columns, the weight each state was allowed to drop and the largest it
    /// dropped, and the mean number of sites a state keeps.
    public func storageSummary(maxDiscardedWeightAllowed allowed: Double) -> JSON {
        let sites = (0..<count).reduce(0) { $0 + supportSize(of: $1) }
        return .object([("kind", .string("local (a rectangle per state)")), ("stored_bytes", .int(bytes)),
                        ("dense_bytes", .int(denseBytes)), ("max_discarded_weight_allowed", .number(allowed)),
                        ("max_discarded_weight", .number(maxDiscardedWeight)),
                        ("mean_support_sites", .number(Double(sites) / Double(Swift.max(1, count))))])
    }
}
