import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassStudies
import Foundation

/// `fermiglass scaling RESULTS...`: the finite-size-scaling view of one or more sweeps.
struct ScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Moment density against size, U and 1/L_loc^2 from sweeps: plateau test, small-U law, 1/beta.",
        discussion: """
            RESULTS are sweep (or merged) directories, analysed together; they must share one \
            window, one minimizer and one model (refused otherwise). For each (size, W, filling, U) \
            the moment density n_m (polarized levels per site) is averaged over realizations \
            (standard error = sd/sqrt(R)) and written to scaling.csv with N(0), <IPR> of the window, \
            the census mu* and the particle-conserving mu*, and 1/beta of the Fig. 2(a) fit. \
            plateau.csv fits constant, 1/L, 1/L^2 and exponential forms in L at each (W, U) and \
            says which the data support (AIC); linearity.csv fits n_m against U; small_u_law.csv \
            fits n_m = c N(0) U g for g = <IPR> and, with --lloc-reference, g = 1/L_loc^2 (L_loc \
            over all states from a dense reference sweep); inverse_beta.csv compares 1/beta with the \
            paper's 2.63 U/L_loc^2. Figures: scaling.png, fss_vs_U.png, fss_vs_L.png, fss_collapse.png.
            """)

    @Argument(help: "Sweep or merged-sweep directories (each with results.jsonl).")
    var results: [String]

    @Option(help: ArgumentHelp("A sweep without U run on one dense lattice per W (L_loc over all states): the reference L_loc of g = 1/L_loc^2.",
                               valueName: "dir"))
    var llocReference: String?

    @Option(help: ArgumentHelp("Largest U of the small-U law and linearity fits.", valueName: "U"))
    var smallUMax: Double = 0.3

    @OptionGroup var io: RunOptions

    func validate() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one sweep directory") }
        guard smallUMax > 0, smallUMax.isFinite else { throw ValidationError("--small-u-max must be positive, got \(smallUMax)") }
    }

    func run() throws {
        let study: ScalingStudy
        do {
            let inputs = try results.map { try SweepResults.load($0) }
            let reference = try llocReference.map { try LocalizationReference(SweepResults.load($0)) }
            study = try ScalingStudy(inputs: inputs, reference: reference, smallUMax: smallUMax)
        } catch let e as SweepError {
            throw ValidationError(commandLineMessage(e))
        }
        guard !study.points.isEmpty else { throw ValidationError("\(results.joined(separator: ", ")) has no finished units yet") }
        let ctx = try RunContext(command: "scaling", options: io, plan: nil)
        try ctx.run {
            try ctx.write(study.report(results: results))
            Figures.render("plot_scaling_fss.py", [ctx.output.file("scaling.csv").path, ctx.output.file("scaling.png").path])
            Figures.render("plot_fss_study.py", ["scaling.csv", "small_u_law.csv", "fss_vs_U.png", "fss_vs_L.png", "fss_collapse.png"]
                .map { ctx.output.file($0).path })
        }
    }
}
