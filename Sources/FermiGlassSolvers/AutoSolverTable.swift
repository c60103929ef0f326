/// The one table `--solver auto` reads: for each command's whole pipeline, the lattice size up
/// to which the dense path (LAPACK, every level) is faster, and whether the localized patches
/// may be chosen above it. Every row is a measurement on this project's benchmark machine; the
/// document that holds it is named in the row, so a new measurement changes one number here.
///
/// Above a row's dense limit the choice is shift-invert (the global sliced engine), or the
/// patches where the row allows them and ``PatchCostModel`` estimates them faster for the
/// request's window (its own table of per-state costs, docs/benchmarks/patches.md).
public struct AutoSolverTable: Sendable {
    /// A command's pipeline, as far as the solver choice matters.
    public enum Pipeline: String, Sendable, CaseIterable {
        /// Eigenpairs and observables linear in them: `spectrum`, `localization`,
        /// `matrix-elements` (chi_ac is the same k x k work on both paths), `dos --energies`.
        case eigenpairs
        /// `ground-state`: eigenpairs, the frozen core and the search. The sparse path's core is
        /// a Chebyshev expansion that probes every site up to 2500 sites (sites^2 x moments
        /// work), so the dense path wins longer than for the eigenpairs alone.
        case groundState = "ground-state"
    }

    public struct Row: Sendable, Equatable {
        public var pipeline: Pipeline
        /// `auto` is dense up to this many sites (inclusive).
        public var denseUpToSites: Int
        /// Whether `auto` may pick the patches above the dense limit.
        public var patchesAllowed: Bool
        /// Where the row was measured.
        public var source: String
    }

    /// The rows. eigenpairs: `fermiglass bench crossover`, levels:100 on paper lattices, equal
    /// times at 30 x 30, shift-invert 3.5x faster at 40 x 40 (docs/benchmarks/engine.md).
    /// ground-state: the whole pipeline, dense 8-13x faster up to 50 x 50, sparse 1.6x faster
    /// at 60 x 60 (docs/benchmarks/ground-state.md). The ground-state patch path is never chosen
    /// by auto: its frozen core, run to a 1e-6 polynomial bound, was slower than the global
    /// path's at every size measured (docs/benchmarks/ground-state-at-scale.md).
    public static let rows: [Row] = [
        Row(pipeline: .eigenpairs, denseUpToSites: 1000, patchesAllowed: true,
            source: "docs/benchmarks/engine.md (bench crossover); patches: docs/benchmarks/patches.md"),
        Row(pipeline: .groundState, denseUpToSites: 2500, patchesAllowed: false,
            source: "docs/benchmarks/ground-state.md; patches: docs/benchmarks/ground-state-at-scale.md"),
    ]

    /// The row of `pipeline`.
    public static func row(_ pipeline: Pipeline) -> Row { rows.first { $0.pipeline == pipeline }! }

    /// The solver `auto` stands for on `pipeline` for a lattice of `sites` sites and
    /// `selection` (the whole spectrum is always dense); `request`, when given with its model,
    /// lets the patch cost model weigh in where the row allows patches.
    public static func choice(_ pipeline: Pipeline, sites: Int, selection: StateSelection, request: EigenRequest? = nil) -> SolverChoice {
        if selection == .all { return .dense }
        let sized = choice(pipeline, sites: sites)
        if sized == .shiftInvert, row(pipeline).patchesAllowed, let request, PatchCostModel.autoChoice(request, sites: sites) == .patches {
            return .patches
        }
        return sized
    }

    /// The size rule alone: the solver `auto` stands for on `pipeline` for a lattice of `sites`
    /// sites when part of the spectrum is needed (a window), before any patch estimate: dense
    /// up to the row's limit, shift-invert above.
    public static func choice(_ pipeline: Pipeline, sites: Int) -> SolverChoice {
        sites <= row(pipeline).denseUpToSites ? .dense : .shiftInvert
    }
}
