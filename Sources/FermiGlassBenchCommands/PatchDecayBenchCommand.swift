import ArgumentParser
import FermiGlassBench
import FermiGlassCLI
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// `fermiglass bench patch-decay`: how localized the states near E_F are, for sizing the
/// patches of the localized-patch solver (``PatchDecay``, ``PatchCost``, ``TransferMatrix``).
struct PatchDecayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch-decay",
        abstract: "Residual of the states nearest E_F re-solved on open square patches of half-width R, their support and decay length.",
        discussion: """
            Model parameters default to --preset paper (t1 = +1, t2 = +0.6, W = 9, filling 5/6); \
            --size L sets the L x L periodic lattice, realization 0 of --seed. The --states \
            eigenstates nearest E_F come from the shift-invert engine; each is re-solved on the \
            open (2R+1)^2 patch around its maximum for every R of --radii, and the patch state \
            overlapping it most is checked on the global H (residual / ||H||_inf, eigenvalue \
            error, 1 - |overlap|). Also: the support half-width whose outside weight is below \
            tol^2 for each --tolerances value, the decay length of <ln |psi|^2> over distance \
            shells, the transfer-matrix xi at E_F for --tm-widths, and, with --probe-sides, the \
            time of one patch solve for --probe-counts states.

            Writes states.csv, patches.csv, candidates.csv (every candidate patch state: halo R - d of its maximum, residual), shells.csv, transfer_matrix.csv, patch_cost.csv \
            and summary.json (medians and worst cases per R and tolerance).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Option(help: "Eigenstates nearest E_F to examine.")
    var states: Int = 16

    @Option(help: "Patch half-widths R, comma-separated (those with 2R + 1 > L - 2 are skipped).")
    var radii: String = "10,15,20,25,30,35,40,45,50,60,70,80,90,100,110,120"

    @Option(help: "Residual targets of the support measurement, comma-separated.")
    var tolerances: String = "1e-4,1e-6,1e-8"

    @Option(help: "Patch eigenpairs nearest the global eigenvalue among which the best overlap is taken.")
    var candidates: Int = 6

    @Option(help: "Patches with at most this many sites are solved densely.")
    var denseMaxSites: Int = 1681

    @Option(help: "Strip widths of the transfer-matrix xi at E_F (empty: none).")
    var tmWidths: String = "16,32,64"

    @Option(help: "Slices per transfer-matrix strip.")
    var tmLength: Int = 20_000

    @Option(help: "Patch sides for the cost probe (shift-invert), comma-separated (empty: no probe).")
    var probeSides: String = ""

    @Option(help: "States per patch in the cost probe, comma-separated.")
    var probeCounts: String = "50,150,400"

    @Option(help: "Patch sides for the dense cost probe (all eigenpairs, dsyevd), comma-separated.")
    var denseProbeSides: String = ""

    func validate() throws {
        guard states > 0, candidates > 0 else { throw ValidationError("--states and --candidates must be positive") }
        _ = try parsePositiveList(radii, option: "--radii")
        _ = try parsedTolerances()
    }

    func parsedTolerances() throws -> [Double] {
        try tolerances.split(separator: ",").map {
            guard let v = Double($0.trimmingCharacters(in: .whitespaces)), v > 0, v < 1 else {
                throw ValidationError("--tolerances must be numbers in (0, 1), got '\(tolerances)'")
            }
            return v
        }
    }

    func list(_ text: String, _ option: String) throws -> [Int] { text.isEmpty ? [] : try parsePositiveList(text, option: option) }

    func run() throws {
        let spec = try model.resolve(needsFilling: true, defaultPreset: .paper)
        guard spec.lattice.lx == spec.lattice.ly, spec.lattice.boundaryX == .periodic, spec.lattice.boundaryY == .periodic else {
            throw ValidationError("bench patch-decay needs a square periodic lattice (--size L)")
        }
        let tols = try parsedTolerances()
        let ctx = try RunContext(command: "bench patch-decay", options: io, plan: nil)
        try ctx.run {
            let o = PatchDecay.Options(size: spec.lattice.lx, parameters: spec.parameters, filling: spec.filling!.density, seed: spec.seed,
                                       realization: spec.realizations[0], states: states, radii: try parsePositiveList(radii, option: "--radii"),
                                       tolerances: tols, candidates: candidates, denseMaxSites: denseMaxSites)
            let result = try PatchDecay.measure(o) { ctx.progress($0, of: $1, "state") }
            try writeTables(ctx, result, tolerances: tols)
            // Transfer-matrix xi at E_F.
            var tm = CSVTable(header: ["width", "energy", "length", "gamma_min", "gamma_min_stderr", "xi", "xi_stderr", "lambda", "seconds"])
            var tmEntries = [JSON]()
            let clock = ContinuousClock()
            for m in try list(tmWidths, "--tm-widths") {
                let t0 = clock.now
                let s = try TransferMatrix.strip(width: m, parameters: spec.parameters, energy: result.fermiEnergy,
                                                 options: TransferMatrix.Options(length: tmLength, seed: spec.seed))
                let secs = (clock.now - t0).seconds
                tm.append([.int(m), .double(result.fermiEnergy), .int(s.length), .double(s.gammaMin), .double(s.gammaMinError),
                           .double(s.xi), .double(s.xiError), .double(s.lambda), .double(secs)])
                tmEntries.append(.object([("width", .int(m)), ("xi", .number(s.xi)), ("xi_stderr", .number(s.xiError)), ("lambda", .number(s.lambda))]))
            }
            try ctx.output.write(csv: tm, to: "transfer_matrix.csv")
            // Cost probe.
            var cost = CSVTable(header: ["side", "sites", "count", "method", "setup_seconds", "solve_seconds", "total_seconds", "max_residual", "cpu_seconds"])
            let sides = try list(probeSides, "--probe-sides"), denseSides = try list(denseProbeSides, "--dense-probe-sides")
            if !sides.isEmpty || !denseSides.isEmpty {
                let m = try spec.model(realization: spec.realizations[0])
                let records = try PatchCost.probe(m, energy: result.fermiEnergy, sides: sides,
                                                  counts: try list(probeCounts, "--probe-counts"), denseSides: denseSides)
                for r in records {
                    cost.append([.int(r.side), .int(r.sites), .int(r.count), .string(r.method), .double(r.setupSeconds), .double(r.solveSeconds),
                                 .double(r.totalSeconds), .double(r.maxResidual), .double(r.cpuSeconds)])
                }
            }
            try ctx.output.write(csv: cost, to: "patch_cost.csv")
            try ctx.writeSummary(summary(spec, result, tolerances: tols) + [
                ("transfer_matrix", .array(tmEntries)), ("transfer_matrix_length", .int(tmLength)),
                ("maxrss_MB", .number(EngineBench.maxRSSMegabytes())),
            ])
        }
    }

    func writeTables(_ ctx: RunContext, _ r: PatchDecay.Result, tolerances: [Double]) throws {
        var st = CSVTable(header: ["state", "energy", "global_residual", "x", "y", "ipr", "decay_length", "fit_end"]
                          + tolerances.map { "support_halfwidth_\($0)" })
        var pt = CSVTable(header: ["state", "radius", "sites", "residual", "eigenvalue_error", "overlap_defect", "second_overlap",
                                   "outside_weight", "method", "seconds"])
        var sh = CSVTable(header: ["state", "r", "mean_log_density"])
        var ct = CSVTable(header: ["state", "radius", "candidate", "energy", "halo", "residual"])
        for (a, s) in r.states.enumerated() {
            st.append([.int(a), .double(s.energy), .double(s.globalResidual), .int(s.maximum.x), .int(s.maximum.y), .double(s.ipr),
                       .double(s.decayLength), .double(s.fitEnd)] + s.supportHalfWidth.map { $0.map { CSVCell.int($0) } ?? .string("none") })
            for p in s.patches {
                pt.append([.int(a), .int(p.radius), .int(p.sites), .double(p.residual), .double(p.eigenvalueError), .double(p.overlapDefect),
                           .double(p.secondOverlap), .double(p.outsideWeight), .string(p.method), .double(p.seconds)])
                for c in p.candidateHalos.indices {
                    ct.append([.int(a), .int(p.radius), .int(c), .double(p.candidateEnergies[c]), .int(p.candidateHalos[c]), .double(p.candidateResiduals[c])])
                }
            }
            for (k, v) in s.shellLogDensity.enumerated() where v.isFinite { sh.append([.int(a), .int(k), .double(v)]) }
        }
        try ctx.output.write(csv: st, to: "states.csv")
        try ctx.output.write(csv: pt, to: "patches.csv")
        try ctx.output.write(csv: sh, to: "shells.csv")
        try ctx.output.write(csv: ct, to: "candidates.csv")
    }

    func summary(_ spec: ModelSpec, _ r: PatchDecay.Result, tolerances: [Double]) -> [(String, JSON)] {
        let median = Statistics.median
        var perRadius = [JSON]()
        for (k, radius) in r.radii.enumerated() {
            let res = r.states.map { $0.patches[k].residual }
            let secs = r.states.map { $0.patches[k].seconds }
            perRadius.append(.object([("radius", .int(radius)), ("median_residual", .number(median(res))), ("worst_residual", .number(res.max()!)),
                                      ("best_residual", .number(res.min()!)), ("median_seconds", .number(median(secs))),
                                      ("method", .string(r.states[0].patches[k].method))]))
        }
        var perTolerance = [JSON]()
        for (t, tol) in tolerances.enumerated() {
            // Halo: the smallest R of the ladder from which on every patch state meets tol
            // (residuals are not monotone in R: an edge resonance can spoil a larger patch);
            // nil when the largest R fails. `firstHalos`: the first R that meets it.
            let halos: [Int?] = r.states.map { s in
                guard let last = s.patches.lastIndex(where: { $0.residual > tol }) else { return s.patches.first?.radius }
                return last + 1 < s.patches.count ? s.patches[last + 1].radius : nil
            }
            let firstHalos = r.states.map { s in s.patches.first { $0.residual <= tol }?.radius }
            let supports = r.states.map { $0.supportHalfWidth[t] }
            let known = halos.compactMap { $0 }.map(Double.init), sup = supports.compactMap { $0 }.map(Double.init)
            perTolerance.append(.object([
                ("tolerance", .number(tol)),
                ("halo_median", known.count * 2 > halos.count ? .number(median(halos.map { $0.map(Double.init) ?? .infinity })) : .string("> largest R")),
                ("halo_worst", known.count == halos.count ? .number(known.max()!) : .string("> \(r.radii.last ?? 0) for \(halos.count - known.count) states")),
                ("halo_per_state", .array(halos.map { $0.map { .int($0) } ?? .string("none") })),
                ("first_halo_per_state", .array(firstHalos.map { $0.map { .int($0) } ?? .string("none") })),
                ("support_halfwidth_per_state", .array(supports.map { $0.map { .int($0) } ?? .string("none") })),
                ("support_halfwidth_median", sup.count * 2 > supports.count ? .number(median(supports.map { $0.map(Double.init) ?? .infinity })) : .string("beyond lattice")),
                ("support_halfwidth_worst", sup.count == supports.count ? .number(sup.max()!) : .string("beyond lattice for \(supports.count - sup.count) states")),
                ("support_sites_median", sup.count * 2 > supports.count ? .number(pow2(2 * median(supports.map { $0.map(Double.init) ?? .infinity }) + 1)) : .string("-")),
            ]))
        }
        let decays = r.states.map(\.decayLength).filter(\.isFinite)
        return [
            ("parameters", spec.json),
            ("fermi_energy", .number(r.fermiEnergy)), ("hamiltonian_norm_inf", .number(r.hamiltonianNorm)),
            ("global_solve_seconds", .number(r.globalSeconds)),
            ("states", .int(r.states.count)), ("energies", .numbers(r.states.map(\.energy))),
            ("max_global_residual", .number(r.states.map(\.globalResidual).max() ?? .nan)),
            ("per_radius", .array(perRadius)), ("per_tolerance", .array(perTolerance)),
            ("decay_length_median", .number(median(decays))), ("decay_length_min", .number(decays.min() ?? .nan)),
            ("decay_length_max", .number(decays.max() ?? .nan)),
            ("definitions", .object([
                ("residual", .string("||H phi - E_p phi||_2 / ||H||_inf for the patch state phi (zero outside the patch) overlapping the global state most")),
                ("halo", .string("the smallest R of --radii from which on (all larger R of the ladder too) the patch state meets the tolerance; first_halo: the first R that meets it")),
                ("support_halfwidth", .string("smallest s such that the global state's weight outside the (2s+1)^2 square around its maximum is < tol^2")),
                ("decay_length", .string("-2 / slope of <ln |psi|^2> over Euclidean distance shells from the maximum, r in [5, first shell below ln 1e-24)")),
            ])),
        ]
    }

    private func pow2(_ x: Double) -> Double { x * x }
}
