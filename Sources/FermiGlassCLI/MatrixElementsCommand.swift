import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass matrix-elements`: the paper's Fig. 1, chi_ac = U_aacc / U against distance.
struct MatrixElementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix-elements",
        abstract: "Overlaps chi_ac = U_aacc/U between eigenstates against their distance, and its decay length (Fig. 1).",
        discussion: """
            chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 (Eq. 10: U_aacc = U chi_ac, chi_aa = IPR_a) for \
            pairs a < c of the chosen states (--states / --energies; with --preset paper the \
            default is the paper's levels 1600:2000 and 5 realizations, otherwise all states), \
            every pair or --pairs N random pairs per realization. The distance d of a pair is \
            the minimum-image distance between the sites where |phi_a| and |phi_c| are largest. \
            <chi>(d) is averaged in the bins |d - d_k| <= h (paper: d_k = 7,12,17,22,27, \
            h = 0.6); a straight line through ln<chi> against d gives the decay length \
            lambda = -1/slope (lattice constants), with a bootstrap error over realizations.

            Outputs: pairs.csv (every pair: levels, energies, distance, chi), decay.csv (the \
            fit bins), chi_vs_distance.csv (<chi> in unit-width distance bins, for plots), \
            r###/eigenvalues.npy, ipr.npy, maxima.npy (site of max |phi_a|) of the chosen \
            states. summary.json: decay_length (+ _bootstrap_error), decay_length_over_L \
            (lambda / L_loc over all states; the paper's L ~ 7.65; null on the sparse path, which \
            has no L_loc over all states) and \
            decay_length_over_L_selected (lambda / L_loc over the chosen states; the \
            authors' script divided by this, L = 6.03, and found ~1.12).
            """)

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "States") var selection: StateOptions
    @OptionGroup(title: "Eigensolver (shift-invert needs --states or --energies)") var solverOptions: SolverOptions
    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Random pairs a < c per realization, drawn without replacement (default: every pair).")
    var pairs: Int?

    @Option(help: ArgumentHelp("Centres of the distance bins of the fit (lattice constants).", valueName: "d1,d2,..."))
    var bins: String = "7,12,17,22,27"

    @Option(help: "Half-width h of the distance bins: a pair is in bin k when |d - d_k| <= h.")
    var binHalfWidth: Double = 0.6

    @Option(help: "Bootstrap resamples over realizations for the errors of the fit.")
    var bootstrap: Int = 1000

    @Flag(help: "Also write the chi matrix of the chosen states, r###/chi.npy (states x states).")
    var saveChi: Bool = false

    func distanceBins() throws -> OverlapDecay.DistanceBins {
        let centers = try bins.split(separator: ",").map { p -> Double in
            guard let v = Double(p.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--bins: '\(p)' is not a number") }
            return v
        }
        do { return try OverlapDecay.DistanceBins(centers: centers, halfWidth: binHalfWidth) } catch let e as ObservablesError {
            throw ValidationError("--bins/--bin-half-width: \(commandLineMessage(e))")
        }
    }

    func run() throws {
        let paperDefaults = model.preset == .paper
        let spec = try model.resolve(needsFilling: false, defaultRealizations: paperDefaults ? 5 : 1)
        let fallback: StateSelection = paperDefaults && spec.lattice.siteCount == 3600 ? .levels(1600..<2000) : .all
        let states = try selection.resolve(spec, fallback: fallback)
        let fitBins = try distanceBins()
        if let n = pairs {
            guard n > 0 else { throw ValidationError("--pairs must be positive, got \(n)") }
            if case .levels(let r) = states, n > r.count * (r.count - 1) / 2 {
                throw ValidationError("--pairs \(n) exceeds the \(r.count * (r.count - 1) / 2) distinct pairs of \(r.count) states")
            }
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be non-negative, got \(bootstrap)") }
        // Dense: every state (L_loc over all of them), the chosen ones picked from it. Sparse:
        // only the chosen states, so there is no L_loc over all states ("localization_length_all" is null).
        let request = try solverOptions.request(selection: states, vectors: true, sites: spec.lattice.siteCount,
                                                needsAll: "give --states a:b or --energies a:b")
        let study = MatrixElementsStudy(spec: spec, request: request, states: states, pairs: pairs, bins: fitBins,
                                        bootstrap: bootstrap, keepChi: saveChi)
        let ctx = try RunContext(command: "matrix-elements", options: io,
                                 plan: MemoryPlan.estimate(sites: spec.lattice.siteCount, request: study.request))
        try ctx.run(study) { try study.report($0, saveDisorder: model.saveDisorder) }
    }
}
