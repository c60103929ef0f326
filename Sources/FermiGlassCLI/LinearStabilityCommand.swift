import ArgumentParser
import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass linear-stability`: the Stoner/RPA criterion of the paper's Appendix A.
struct LinearStabilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linear-stability",
        abstract: "Largest eigenvalues of the static spin susceptibility Pi on the paramagnetic HF solution (paper App. A).",
        discussion: """
            Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) / (E_b - E_a) on the paramagnetic \
            HF orbitals (H0's at U = 0): the per-spin bare susceptibility, whose eigenvalues on a clean lattice are \
            the Lindhard sums (1/N) sum_k [f_k - f_k+q]/(e_k+q - e_k). Linear response predicts a magnetic \
            instability when U lambda_max(Pi) >= 1. Pi is applied by dgemms over occupied x empty orbitals and \
            its largest eigenvalues found by block Krylov-Schur iteration. Only pairs with E_b - E_a > delta are summed \
            (delta = 1e-8 max(1, max |E_a|), recorded); when any pair is left out (levels degenerate at E_F, or a \
            maximum-overlap paramagnet with an empty level below an occupied one) lambda_max is refused (null, with \
            the reason) and hessian_min_eigenvalue, the lowest eigenvalue of the paramagnet's collinear orbital \
            Hessian (a different number: an energy, negative when the state is a saddle), is the criterion. \
            Writes per realization (and U): \
            pi_eigenvalues.npy, pi_leading_vector.npy; linear_stability.csv at the top.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions
    @OptionGroup var scf: SelfConsistencyOptions

    @Option(help: "Number of largest eigenvalues of Pi (default 1).")
    var eigenvalues: Int = 1

    @Option(help: "Relative residual tolerance |Pi y - lambda y| <= tol lambda_max (default 1e-8).")
    var tolerance: Double = 1e-8

    @Option(help: "Krylov block size (default: eigenvalues + 1).")
    var block: Int?

    @Option(help: "Census window: K occupied and K empty paramagnetic HF orbitals around E_F (levels:K; default 100).")
    var window: Int = 100

    @Option(help: "Paramagnetic occupation: automatic (aufbau, else maximum overlap), aufbau, or maximum-overlap.")
    var occupation: String = "automatic"

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        guard eigenvalues >= 1, eigenvalues <= spec.lattice.siteCount else {
            throw ValidationError("--eigenvalues must be in 1...\(spec.lattice.siteCount), got \(eigenvalues)")
        }
        guard tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance must be in (0, 1), got \(tolerance)") }
        if let b = block, b < 1 { throw ValidationError("--block must be positive, got \(b)") }
        let us = try scf.values()
        var template = try scf.options(U: us[0], mode: .paramagnetic)
        guard let occ = HartreeFockOptions.Occupation(rawValue: occupation) else {
            throw ValidationError("--occupation must be automatic, aufbau or maximum-overlap, got '\(occupation)'")
        }
        template.occupation = occ
        guard window >= 1 else { throw ValidationError("--window must be at least 1, got \(window)") }
        var study = LinearStabilityStudy(hartreeFock: HartreeFockStudy(spec: spec, interactions: us, options: template,
                                                                       initial: try scf.warmStartDensities(spec)))
        study.eigenvalues = eigenvalues
        study.tolerance = tolerance
        study.block = block
        study.window = window
        study.hartreeFock.initialSource = scf.warmStart
        let ctx = try RunContext(command: "linear-stability", options: io, plan: study.memoryPlan(), staged: true)
        ctx.attach(&study.hartreeFock)
        try ctx.run(checkpoint: study.hartreeFock.checkpoint) {
            let records = try ctx.records(of: study)
            try study.write(records, to: ctx.output)
            if let why = LinearStabilityStudy.firstFailure(records) { ctx.flagUnconverged(why) }
            try ctx.writeSummary(study.summary(records), complete: true)
        }
    }
}
