import ArgumentParser
import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

extension CSVTable {
    /// Appends a row of text cells.
    mutating func append(cells: [String]) { append(cells.map { CSVCell.string($0) }) }
}

/// Self-consistency options shared by `hartree-fock` and `linear-stability`.
struct SelfConsistencyOptions: ParsableArguments {
    @Option(name: .customLong("U"), parsing: .unconditional,
            help: "Hubbard U (units of t1); a comma list runs each value, warm-starting from the previous one (U < 0: --U -1).")
    var u: String

    @Option(help: ArgumentHelp("Mixing scheme: anderson (default), linear, oda (optimal damping: exact line search on the HF energy, which never rises), or ediis (energy-DIIS: exact minimum of the HF energy over the last --mixing-history outputs and the current state).",
                               discussion: "oda (Cances-Le Bris) is for fillings where anderson wanders: at W = 9 and U >= 1 on 60 x 60, localized levels at E_F trade places between iterations. It ignores --mixing-beta and --mixing-history (maximum-overlap fallbacks use the default Anderson mixing) and runs the aufbau for the whole --max-iterations. ediis does the same with --mixing-history (1-11) states: it moves many slowly settling moments at once where oda creeps."))
    var mixing: String = "anderson"

    @Option(help: "Mixing parameter beta in (0, 1] (default 0.5).")
    var mixingBeta: Double = 0.5

    @Option(help: "Anderson history length (default 8).")
    var mixingHistory: Int = 8

    @Option(help: "oda, ediis: hand over to Anderson mixing below this density residual (default 1e-4).")
    var handover: Double = HartreeFockOptions.dampingHandover

    @Option(help: "Converged when max |n_out - n_in| is at most this (default 1e-9) ...")
    var densityTolerance: Double = 1e-9

    @Option(help: "... and the total energy changes by at most this between iterations (default 1e-9).")
    var energyTolerance: Double = 1e-9

    @Option(help: "Maximum self-consistency iterations per start (default 500).")
    var maxIterations: Int = 500

    @Flag(help: "Diagonalize only the needed levels (dsyevr) at each iteration instead of all (dsyevd, the default and faster as measured); for timing comparisons.")
    var partialDiagonalization: Bool = false

    @Option(help: ArgumentHelp("Start the first U from the densities of an earlier hartree-fock run: the directory holding its density_up.npy and density_down.npy (e.g. out/r000/U0.5). One realization only.",
                               discussion: "To continue a U sweep that was stopped, or to go on to larger U from a converged solution. In free mode this start is used besides --starts random ones (--starts 0: alone)."))
    var warmStart: String?

    @Flag(help: "Automatic occupation: give a stalled aufbau its whole budget of 80 iterations and restart the fallback from the start, instead of stopping at the stall and continuing from its best densities (the earlier behaviour, for comparison).")
    var fullAufbauBudget: Bool = false

    func values() throws -> [Double] {
        let parts = u.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let vs = try parts.map { p -> Double in
            guard let v = Double(p), v.isFinite else { throw ValidationError("--U: '\(p)' is not a finite number") }
            return v
        }
        guard !vs.isEmpty else { throw ValidationError("--U is empty") }
        return vs
    }

    func options(U: Double, mode: HartreeFockMode) throws -> HartreeFockOptions {
        var o = HartreeFockOptions(U: U, mode: mode)
        guard mixingBeta > 0, mixingBeta <= 1 else { throw ValidationError("--mixing-beta must be in (0, 1], got \(mixingBeta)") }
        switch mixing {
        case "anderson":
            guard mixingHistory >= 1 else { throw ValidationError("--mixing-history must be at least 1, got \(mixingHistory)") }
            o.mixing = .anderson(history: mixingHistory, beta: mixingBeta)
        case "linear": o.mixing = .linear(beta: mixingBeta)
        case "oda": o.mixing = .optimalDamping
        case "ediis":
            guard (1...11).contains(mixingHistory) else { throw ValidationError("--mixing-history must be in 1...11 for ediis, got \(mixingHistory)") }
            o.mixing = .energyDIIS(history: mixingHistory)
        default: throw ValidationError("--mixing must be anderson, linear, oda or ediis, got '\(mixing)'")
        }
        guard densityTolerance > 0, energyTolerance > 0 else { throw ValidationError("tolerances must be positive") }
        guard maxIterations > 0 else { throw ValidationError("--max-iterations must be positive, got \(maxIterations)") }
        guard handover.isFinite, handover > 0 else { throw ValidationError("--handover must be positive, got \(handover)") }
        o.handover = handover
        o.densityTolerance = densityTolerance
        o.energyTolerance = energyTolerance
        o.maxIterations = maxIterations
        o.partialDiagonalization = partialDiagonalization
        o.stopStalledAufbau = !fullAufbauBudget
        return o
    }

    /// The densities (n_up, n_dn) of --warm-start, checked against the lattice: nil without it.
    /// The keys of a model spec that fix the lattice a set of densities belongs to.
    static let identityKeys = ["Lx", "Ly", "boundary_x", "boundary_y", "t1", "t2", "W", "mu", "particles", "seed", "disorder_file"]

    /// What a set of densities was computed on: the lattice, parameters, seed and realization
    /// (written beside the densities as lattice.json, checked by --warm-start).
    static func identity(_ spec: ModelSpec, realization r: Int) -> JSON {
        let all = spec.json.objectValue ?? []
        return .object(identityKeys.compactMap { k in all.first { $0.0 == k } } + [("realization", .int(r))])
    }

    func warmStartDensities(_ spec: ModelSpec) throws -> (up: [Double], down: [Double])? {
        guard let warmStart else { return nil }
        let sites = spec.lattice.siteCount, realizations = spec.realizations.count
        guard realizations == 1 else {
            throw ValidationError("--warm-start needs a single realization (e.g. --realization-range 2:3), got \(realizations)")
        }
        // The densities must come from the same lattice: same size, parameters, seed, realization.
        let identityPath = URL(fileURLWithPath: warmStart).appendingPathComponent("lattice.json").path
        if let text = try? String(contentsOfFile: identityPath, encoding: .utf8), let theirs = try? JSON.parse(text) {
            let ours = Self.identity(spec, realization: spec.realizations[0])
            let differ = (Self.identityKeys + ["realization"]).filter { k in
                theirs[k].map { $0.serialized(compact: true) } != ours[k].map { $0.serialized(compact: true) }
            }
            if !differ.isEmpty {
                let show = { (j: JSON) in differ.map { "\($0) \(j[$0]?.serialized(compact: true) ?? "none")" }.joined(separator: ", ") }
                throw ValidationError("--warm-start: the densities in \(warmStart) come from another lattice (\(show(theirs))); this run has \(show(ours))")
            }
        } else {
            FileHandle.standardError.write(Data("warning: --warm-start: \(warmStart) has no lattice.json (written by an older version): cannot check that its densities come from this lattice and seed\n".utf8))
        }
        func load(_ name: String) throws -> [Double] {
            let path = URL(fileURLWithPath: warmStart).appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--warm-start: \(path) does not exist (the directory must hold density_up.npy and density_down.npy, as hartree-fock writes them)")
            }
            let values = try NPY.read(URL(fileURLWithPath: path)).values
            guard values.count == sites else {
                throw ValidationError("--warm-start: \(path) has \(values.count) values, the lattice has \(sites) sites")
            }
            guard values.allSatisfy({ $0.isFinite && $0 >= -1e-9 && $0 <= 1 + 1e-9 }) else {
                throw ValidationError("--warm-start: \(path) holds values outside [0, 1]; it is not a spin density")
            }
            return values
        }
        return (try load("density_up.npy"), try load("density_down.npy"))
    }

    /// The summary block describing the iteration settings.
    func json(_ o: HartreeFockOptions) -> JSON {
        .object([("warm_start", warmStart.map { .string($0) } ?? .null), ("mixing", .string(o.mixing.description)),
                 ("handover_to_anderson", o.mixing.descendsEnergy ? .number(o.handover) : .null), ("density_tolerance", .number(o.densityTolerance)),
                 ("energy_tolerance", .number(o.energyTolerance)), ("max_iterations", .int(o.maxIterations)),
                 ("stalled_aufbau", .string(o.stopStalledAufbau
                    ? "stopped when stalled (residual > 1e-4 and best residual not halved in 25 iterations), at most 80; fallback from its best densities"
                    : "whole budget of 80 iterations; fallback from the start")),
                 ("diagonalization", .string(o.partialDiagonalization
                    ? "dense: LAPACK dsyevr (needed levels) per iteration, dsyevd (all) for the final solution"
                    : "dense: LAPACK dsyevd (all levels) per iteration"))])
    }

    /// Output subdirectory of one (realization, U): r###/ for a single U, r###/U<value>/ otherwise.
    static func directory(realization r: Int, U: Double, single: Bool) -> String {
        single ? RunContext.realizationDirectory(r) : "\(RunContext.realizationDirectory(r))/U\(U)"
    }
}

/// `fermiglass hartree-fock`: unrestricted collinear HF of the Hubbard model.
struct HartreeFockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hartree-fock",
        abstract: "Self-consistent unrestricted Hartree-Fock of the disordered Hubbard model (paper Eqs. 5-6, 14, A1).",
        discussion: """
            H_s = H0 + U diag(<n_i,-s>) at fixed particle number, Anderson-mixed to self-consistency. \
            --mode paramagnetic imposes <n_up> = <n_dn>; --mode free starts from --starts seeded random \
            moment patterns (plus the previous U's solution in a --U list) and keeps the lowest energy; \
            the spin split N_up is free (aufbau over both spins; if that has no fixed point, fixed \
            splits around the last one are tried) unless --spin-up fixes it. \
            E_HF = sum_occ <H0> + U sum_i n_up n_dn of the output determinant (its variational energy), \
            checked against sum_occ E_as - U sum_i n_up n_dn. Every kept state gets the lowest eigenvalue \
            of its collinear orbital Hessian (hessian_min_eigenvalue; negative: a saddle); in free mode \
            each start is also run along --mode-starts leading modes of the U = 0 susceptibility, and a \
            start that ends on a saddle is displaced along its negative mode and descended with optimal \
            damping until it is a minimum; the distinct minima and the starts that reached the lowest are \
            reported, with stability_radius = rho(U^2 Pi_up Pi_dn). Further starts: --first-order-starts from \
            the first-order ground state, and with a U list the way back down (--sweep both). Finished starts \
            are saved in starts/; --resume continues a killed search from them. An unconverged (realization, U) exits 3 unless --allow-unconverged. \
            Writes per realization (and per U with a --U list): moments.npy (m_i = n_up - n_dn), \
            density_up.npy, density_down.npy, eigenvalues_up.npy, eigenvalues_down.npy, \
            near_fermi.csv (IPR and U IPR of the HF orbitals near E_F); hartree_fock.csv at the top.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions
    @OptionGroup var scf: SelfConsistencyOptions

    @Option(help: "paramagnetic or free (default free).")
    var mode: String = "free"

    @Option(help: "Free mode: number of seeded random starts per U besides the warm start (the previous U's solution or --warm-start), default 4; 0: the warm start alone where there is one, otherwise the mode and first-order starts (one random start when there are none).")
    var starts: Int = 4

    @Option(help: "Free mode: amplitude a of the initial moments, uniform in [-a, a] in units of the largest possible (default 0.5).")
    var initialMoment: Double = 0.5

    @Option(help: "Free mode: fix N_up (default: free spin split).")
    var spinUp: Int?

    @Option(help: "Free mode: annealing temperatures before the T = 0 iterations, e.g. 1,0.5,0.25,0.1 (default none).")
    var anneal: String?

    @Option(help: "Sites with |m_i| above this count as moment-carrying (default 0.1).")
    var momentThreshold: Double = 0.1

    @Option(help: "HF orbitals on each side of E_F, per spin, in near_fermi.csv (default 20).")
    var nearFermi: Int = 20

    @Option(help: "Seed of the random initial moments (default 1).")
    var startSeed: UInt64 = 1

    @Option(help: "Free mode: extra starts along the leading eigenvectors of the U = 0 spin susceptibility Pi_0 (default 4; 0: none).")
    var modeStarts: Int = 4

    @Flag(inversion: .prefixedNo, help: "Compute the lowest eigenvalue of the collinear orbital Hessian of every kept state and, in free mode, follow negative modes of every start down to a minimum (default on).")
    var stability: Bool = true

    @Flag(inversion: .prefixedNo, help: "With the stability analysis: also rho(U^2 Pi_up Pi_dn) of every kept state, stability_radius (default on).")
    var stabilityRadius: Bool = true

    @Flag(help: "Exit 0 even when some (realization, U) did not converge (default: exit 3, with the output written).")
    var allowUnconverged: Bool = false

    @Option(help: "Free mode: extra starts from the first-order ground state's occupations of H0's levels (default 1; the first with aligned spins, further ones with random orientations).")
    var firstOrderStarts: Int = 1

    @Option(help: "Free mode with a --U list: up (each U warm-started from the previous one) or both (then back down, each U also started from the U above it; default).")
    var sweep: String = "both"

    @Flag(help: "Continue a killed run in the same --output: every finished start of a free-mode search was saved in r###/[U.../]starts/ and is restored instead of rerun; the start that was running is run again from its beginning, so the run ends where an uninterrupted one would.")
    var resume: Bool = false

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        guard let hfMode = HartreeFockMode(rawValue: mode) else { throw ValidationError("--mode must be paramagnetic or free, got '\(mode)'") }
        guard starts >= 0 else { throw ValidationError("--starts must be non-negative, got \(starts)") }
        guard momentThreshold >= 0, momentThreshold.isFinite else { throw ValidationError("--moment-threshold must be non-negative") }
        guard nearFermi >= 1 else { throw ValidationError("--near-fermi must be at least 1") }
        guard initialMoment >= 0, initialMoment <= 1 else { throw ValidationError("--initial-moment must be in [0, 1]") }
        if spinUp != nil && hfMode != .free { throw ValidationError("--spin-up needs --mode free") }
        let temperatures = try anneal.map { text in
            try text.split(separator: ",").map { p -> Double in
                guard let v = Double(p.trimmingCharacters(in: .whitespaces)), v.isFinite, v > 0 else {
                    throw ValidationError("--anneal: '\(p)' is not a positive temperature")
                }
                return v
            }
        } ?? []
        let us = try scf.values()
        var template = try scf.options(U: us[0], mode: hfMode)
        template.starts = starts
        template.seed = startSeed
        template.initialMomentAmplitude = initialMoment
        template.spinUp = spinUp
        template.annealing = temperatures
        guard modeStarts >= 0 else { throw ValidationError("--mode-starts must be non-negative, got \(modeStarts)") }
        template.susceptibilityStarts = modeStarts
        template.stability = stability
        guard firstOrderStarts >= 0 else { throw ValidationError("--first-order-starts must be non-negative, got \(firstOrderStarts)") }
        template.firstOrderStarts = firstOrderStarts
        template.stabilityRadius = stabilityRadius
        guard ["up", "both"].contains(sweep) else { throw ValidationError("--sweep must be up or both, got '\(sweep)'") }
        if resume && io.force { throw ValidationError("give --resume or --force, not both") }
        do { try template.validate(sites: spec.lattice.siteCount, particles: spec.filling!.particles) } catch let e as HartreeFockError {
            throw ValidationError(commandLineMessage(e))
        }
        let initial = try scf.warmStartDensities(spec)
        let ctx = try RunContext(command: "hartree-fock", options: io, plan: Self.memoryPlan(spec, us: us.count), resume: resume, staged: false)
        var unconverged = 0
        try ctx.run {
            var table = CSVTable(header: ["realization", "U", "mode", "converged", "energy", "energy_from_h0", "moment_count",
                                          "sum_abs_moment", "total_sz", "n_up", "n_down", "fermi_energy", "gap", "iterations",
                                          "sz", "hessian_min_eigenvalue", "distinct_minima", "starts_reaching_minimum",
                                          "stability_radius"])
            var entries = [JSON]()
            func summary() -> [(String, JSON)] {
                [("converged", .bool(unconverged == 0)), ("unconverged", .int(unconverged))]
                    + summaryBody(spec, us: us, template: template, temperatures: temperatures, entries: entries)
            }
            let resuming = resume
            try ctx.forEachHartreeFock(spec, us: us, template: template, initial: initial, saveDisorder: model.saveDisorder,
                                       bothDirections: hfMode == .free && sweep == "both",
                                       stores: hfMode == .free && stability ? { dir in
                                           HartreeFockStartFiles(output: ctx.output, directory: dir + "/starts", reading: resuming)
                                       } : nil,
                                       checkpoint: { try ctx.writeSummary(summary(), complete: false) }) { r, u, _, dir, result, seconds in
                try Self.write(result, to: dir, ctx: ctx, nearFermi: nearFermi, single: spec.realizations.count == 1 && us.count == 1)
                let count = result.momentCount(threshold: momentThreshold)
                table.append(cells: [String(r), "\(u)", mode, "true", "\(result.energy)", "\(result.energyFromH0)", String(count),
                              "\(result.totalAbsoluteMoment)", "\(result.totalSz)", String(result.up.occupied),
                              String(result.down.occupied), "\(result.fermiEnergy ?? .nan)", "\(result.gap ?? .nan)",
                              String(result.iterations), "\(result.sz)",
                              result.stability.map { "\($0.hessianMinEigenvalue)" } ?? "",
                              result.minima.isEmpty ? "" : String(result.minima.count),
                              result.minima.first.map { String($0.starts.count) } ?? "",
                              result.stabilityRadius.map { "\($0)" } ?? ""])
                entries.append(Self.json(result, realization: r, threshold: momentThreshold, seconds: seconds, directory: dir))
            } failed: { r, u, e in
                unconverged += 1
                table.append(cells: [String(r), "\(u)", mode, "false", "nan", "nan", "", "", "", "", "", "", "", "", "", "", "", "", ""])
                entries.append(.object([("realization", .int(r)), ("U", .number(u)), ("converged", .bool(false)),
                                        ("error", .string(commandLineMessage(e)))]))
            }
            try ctx.output.write(csv: table, to: "hartree_fock.csv")
            try ctx.writeSummary(summary(), complete: true)
            // An unconverged (realization, U) was flagged (exit 3 once the output is in place,
            // "status": "unconverged" at the top of summary.json); asked for, exit 0 instead.
            if allowUnconverged && unconverged > 0 {
                FileHandle.standardError.write(Data("warning: \(unconverged) (realization, U) did not converge; exit 0 (--allow-unconverged)\n".utf8))
                ctx.outcome = .done
            }
        }
    }

    /// The memory of a Hartree-Fock run: the model, the dense eigensolve of each spin's mean-field
    /// Hamiltonian (matrix, eigenvectors, workspace), the other spin's eigenvectors, and the
    /// densities of the mixing history (a few dozen N-vectors).
    static func memoryPlan(_ spec: ModelSpec, us: Int) -> MemoryEstimate {
        let n = spec.lattice.siteCount, N = Double(n)
        return MemoryPlan.estimate(sites: n, request: EigenRequest(solver: .dense, selection: .all, vectors: true),
                                   extra: [("second spin's eigenvectors", 8 * N * N), ("densities and mixing history", 8 * 64 * N)])
    }

    /// The summary.json body of this run with the results so far.
    func summaryBody(_ spec: ModelSpec, us: [Double], template: HartreeFockOptions, temperatures: [Double], entries: [JSON]) -> [(String, JSON)] {
        let free = template.mode == .free
        return [
            ("parameters", spec.json), ("mode", .string(mode)),
            ("spin_split", .string(spinUp.map { "fixed N_up = \($0)" } ?? (free ? "free (aufbau over both spins; fixed splits around the last one if that has no fixed point)" : "N/2 per spin"))),
            ("starts", .int(free ? starts : 1)), ("start_seed", .string(String(startSeed))),
            ("initial_moment_amplitude", .number(initialMoment)), ("annealing", .numbers(temperatures)),
            ("susceptibility_starts", .int(free ? modeStarts : 0)), ("first_order_starts", .int(free ? firstOrderStarts : 0)),
            ("sweep", .string(free && us.count > 1 ? sweep : "up")), ("resumed", .bool(resume)),
            ("moment_threshold", .number(momentThreshold)), ("U", .numbers(us)),
            ("self_consistency", scf.json(template)), ("results", .array(entries)),
        ]
    }

    static func write(_ r: HartreeFockResult, to dir: String, ctx: RunContext, nearFermi: Int, single: Bool) throws {
        let files: [(String, [Double])] = [("moments.npy", r.moments), ("density_up.npy", r.up.density), ("density_down.npy", r.down.density),
                                           ("eigenvalues_up.npy", r.up.orbitals.values), ("eigenvalues_down.npy", r.down.orbitals.values)]
        for (name, values) in files {
            try ctx.output.write(npy: values, to: "\(dir)/\(name)")
            if single { try ctx.output.write(npy: values, to: name) }
        }
        var csv = CSVTable(header: ["spin", "level", "relative_to_fermi_index", "energy", "ipr", "U_ipr", "occupied"])
        for (spin, channel) in [("up", r.up), ("down", r.down)] {
            let lo = max(0, channel.occupied - nearFermi), hi = min(channel.orbitals.count, channel.occupied + nearFermi)
            guard lo < hi else { continue }
            let ipr = Localization.ipr(channel.orbitals.subset(lo..<hi))
            for (k, a) in (lo..<hi).enumerated() {
                csv.append(cells: [spin, String(a), String(a - channel.occupied), "\(channel.orbitals.values[a])", "\(ipr[k])",
                            "\(r.options.U * ipr[k])", a < channel.occupied ? "1" : "0"])
            }
        }
        try ctx.output.write(csv: csv, to: "\(dir)/near_fermi.csv")
    }

    static func json(_ r: HartreeFockResult, realization: Int, threshold: Double, seconds: Double, directory: String) -> JSON {
        let base: [(String, JSON)] = [
            ("realization", .int(realization)), ("U", .number(r.options.U)), ("converged", .bool(true)), ("directory", .string(directory)),
            ("energy", .number(r.energy)), ("energy_from_h0", .number(r.energyFromH0)),
            ("energy_from_eigenvalues", .number(r.energyFromEigenvalues)),
            ("energy_check_difference", .number(r.energyFromEigenvalues - r.energy)),
            ("moment_count", .int(r.momentCount(threshold: threshold))), ("sum_abs_moment", .number(r.totalAbsoluteMoment)),
            ("max_abs_moment", .number(r.moments.map { abs($0) }.max() ?? 0)),
            ("total_sz", .number(r.totalSz)), ("abs_sz", .number(r.totalSz)), ("sz", .number(r.sz)),
            ("n_up", .int(r.up.occupied)), ("n_down", .int(r.down.occupied)),

            ("fermi_energy", r.fermiEnergy.map { .number($0) } ?? .null), ("gap", r.gap.map { .number($0) } ?? .null),
            ("iterations", .int(r.iterations)), ("density_residual", .number(r.densityResidual)),
            ("kept_start", .int(r.start)),
            ("runs", runs(r)),
            ("seconds", .number(seconds)),
        ]
        return .object(base + stabilityFields(r))
    }

    /// Second-order stability of the kept state, how it was reached, and the distinct minima
    /// of the search (free mode).
    static func stabilityFields(_ r: HartreeFockResult) -> [(String, JSON)] {
        var out: [(String, JSON)] = []
        out.append(("hessian_min_eigenvalue", r.stability.map { .number($0.hessianMinEigenvalue) } ?? .null))
        out.append(("stability_radius", r.stabilityRadius.map { .number($0) } ?? .null))
        out.append(("hessian_residual", r.stability.map { .number($0.residual) } ?? .null))
        out.append(("hessian_dimension", r.stability.map { .int($0.dimension) } ?? .null))
        out.append(("is_minimum", r.stability.map { .bool($0.isMinimum) } ?? .null))
        var following = JSON.null
        if let f = r.following {
            following = .object([("stop", .string(f.stop)), ("steps", .int(f.angles.count)), ("energies", .numbers(f.energies)),
                                 ("eigenvalues", .numbers(f.eigenvalues)), ("angles", .numbers(f.angles))])
        }
        out.append(("following", following))
        out.append(("distinct_minima", .int(r.minima.count)))
        out.append(("starts_reaching_minimum", r.minima.first.map { .int($0.starts.count) } ?? .null))
        var minima: [JSON] = []
        for m in r.minima {
            let fields: [(String, JSON)] = [("energy", .number(m.energy)), ("sz", .number(m.sz)),
                                            ("sum_abs_moment", .number(m.totalAbsoluteMoment)),
                                            ("hessian_min_eigenvalue", .number(m.hessianMinEigenvalue)),
                                            ("starts", .array(m.starts.map { .int($0) }))]
            minima.append(.object(fields))
        }
        out.append(("minima", .array(minima)))
        return out
    }

    /// Every attempt of a solve (start, occupation rule, fixed split, iterations, outcome).
    static func runs(_ r: HartreeFockResult) -> JSON {
        .array(r.runs.map { run in
            .object([("start", .int(run.start)), ("occupation", .string(run.occupation.rawValue)),
                     ("fixed_spin_up", run.fixedSpinUp.map { .int($0) } ?? .null),
                     ("converged", .bool(run.converged)), ("iterations", .int(run.iterations)),
                     ("density_residual", .number(run.densityResidual)), ("energy", run.energy.isFinite ? .number(run.energy) : .null),
                     ("total_sz", run.totalSz.isFinite ? .number(run.totalSz) : .null)])
        })
    }
}
