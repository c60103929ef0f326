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

    /// delta of the pair filter, relative to max(1, max |E_a|).
    static let pairGapThreshold = 1e-8

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
        let initial = try scf.warmStartDensities(spec)
        var plan = HartreeFockCommand.memoryPlan(spec, us: us.count)
        plan.add("susceptibility Pi (N x N) and its Krylov basis", bytes: 8 * Double(spec.lattice.siteCount) * Double(spec.lattice.siteCount + 4 * (eigenvalues + 8)))
        let ctx = try RunContext(command: "linear-stability", options: io, plan: plan, staged: false)
        try ctx.run {
            let particles = spec.filling!.particles
            let occupied = particles / 2
            var table = CSVTable(header: ["realization", "U", "hf_converged", "lambda_max", "U_lambda_max", "stoner_unstable",
                                          "gap", "occupation", "aufbau_violations",
                                          "census_one_sided", "census_two_sided", "mu_star", "products", "hf_seconds", "pi_seconds"])
            var entries = [JSON]()
            func summary() -> [(String, JSON)] {
                [("parameters", spec.json), ("U", .numbers(us)), ("self_consistency", scf.json(template)),
                 ("pi_definition", .string("Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) / (E_b - E_a), paramagnetic HF orbitals; per-spin Lindhard normalisation")),
                 ("eigensolver", .string("block Krylov-Schur (largest algebraic; thick restart, locking); products by dgemm over occupied x empty orbitals")),
                 ("tolerance", .number(tolerance)), ("results", .array(entries))]
            }
            try ctx.forEachHartreeFock(spec, us: us, template: template, initial: initial,
                                       checkpoint: { try ctx.writeSummary(summary(), complete: false) }) { r, u, h0, dir, hf, hfSeconds in
                let clock = ContinuousClock(), t1 = clock.now
                // Pi sums only pairs with E_b - E_a > delta; a non-empty excluded block (levels
                // degenerate at E_F, or an empty level below an occupied one in a maximum-overlap
                // state) makes lambda_max no Stoner criterion: it is then refused (null).
                let delta = Self.pairGapThreshold * max(1, hf.up.orbitals.values.map { abs($0) }.max() ?? 1)
                let op = try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: occupied, minimumGap: delta)
                let res = try LinearStability.largestEigenvalues(of: op, count: eigenvalues, block: block, tolerance: tolerance)
                let t2 = clock.now
                try ctx.output.write(npy: res.eigenvalues, to: "\(dir)/pi_eigenvalues.npy")
                try ctx.output.write(npy: Array(res.eigenvectors[0..<spec.lattice.siteCount]), to: "\(dir)/pi_leading_vector.npy")
                let refused = op.excludedPairs > 0
                let lambda = refused ? Double.nan : res.eigenvalues[0]
                let refusal = refused
                    ? "lambda_max refused: \(op.excludedPairs) occupied-empty pairs of the paramagnetic reference have E_b - E_a <= \(delta) "
                        + "(a degenerate block at E_F, or an empty level below an occupied one); Pi over the other pairs is not the "
                        + "Stoner criterion. hessian_min_eigenvalue is the second-order stability of this state."
                    : nil
                if let m = refusal { FileHandle.standardError.write(Data("[linear-stability] realization \(r), U = \(u): \(m)\n".utf8)) }
                let gap = (hf.up.lowestEmpty ?? .nan) - (hf.up.highestOccupied ?? .nan)
                let (census, levels) = try hf.stabilityCensus(h0: h0, windowHalfWidth: window)
                let rule = hf.options.occupation == .maximumOverlap ? "maximum-overlap" : "aufbau"
                table.append(cells: [String(r), "\(u)", "true", "\(lambda)", "\(u * lambda)", refused ? "" : (u * lambda >= 1 ? "1" : "0"),
                                     "\(gap)", rule, String(hf.up.aufbauViolations), String(census.oneSided),
                                     String(census.twoSided), "\(census.muStar)", String(res.products), "\(hfSeconds)", "\((t2 - t1).seconds)"])
                entries.append(.object([
                    ("realization", .int(r)), ("U", .number(u)), ("hf_converged", .bool(true)), ("directory", .string(dir)),
                    ("hf_energy", .number(hf.energy)), ("hf_iterations", .int(hf.iterations)),
                    ("hf_runs", HartreeFockCommand.runs(hf)),
                    ("homo_lumo_gap", .number(gap)), ("occupation", .string(rule)),
                    ("aufbau_violations", .int(hf.up.aufbauViolations)),
                    ("census", .object([("window_levels", .ints([levels.lowerBound, levels.upperBound])),
                                        ("one_sided", .int(census.oneSided)), ("two_sided", .int(census.twoSided)),
                                        ("mu_star", .number(census.muStar))])),
                    ("pi_eigenvalues", .numbers(res.eigenvalues)), ("residuals", .numbers(res.residuals)),
                    ("pair_gap_threshold", .number(delta)), ("excluded_pairs", .int(op.excludedPairs)),
                    ("degenerate_block", { () -> JSON in
                        // Reported separately from Pi: the levels within delta of each other at E_F
                        // (of an aufbau reference; a maximum-overlap one has its violations instead).
                        guard hf.up.aufbauViolations == 0 else { return .null }
                        let b = FermiLevelBlock(values: hf.up.orbitals.values, occupied: occupied, delta: delta)
                        return .object([("levels", .ints(b.isEmpty ? [] : [b.levels.lowerBound, b.levels.upperBound])),
                                        ("occupied_in_block", .int(b.isEmpty ? 0 : b.occupiedInBlock)),
                                        ("energies", .numbers(b.energies))])
                    }()),
                    ("lambda_refused", refusal.map { .string($0) } ?? .null),
                    ("U_lambda_max", refused ? .null : .number(u * lambda)),
                    ("stoner_unstable", refused ? .null : .bool(u * lambda >= 1)),
                    ("hessian_min_eigenvalue", hf.stability.map { .number($0.hessianMinEigenvalue) } ?? .null),
                    ("stability_radius", hf.stabilityRadius.map { .number($0) } ?? .null),
                    ("products", .int(res.products)), ("restarts", .int(res.restarts)),
                    ("hf_seconds", .number(hfSeconds)), ("pi_seconds", .number((t2 - t1).seconds)),
                ]))
            } failed: { r, u, e in
                table.append(cells: [String(r), "\(u)", "false", "nan", "nan", "", "", "", "", "", "", "", "", "", ""])
                entries.append(.object([("realization", .int(r)), ("U", .number(u)), ("hf_converged", .bool(false)),
                                        ("error", .string(commandLineMessage(e)))]))
            }
            try ctx.output.write(csv: table, to: "linear_stability.csv")
            try ctx.writeSummary(summary(), complete: true)
        }
    }
}
