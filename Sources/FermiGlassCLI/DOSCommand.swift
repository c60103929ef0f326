import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// `fermiglass dos`: density of states of H0 for one or several disorder strengths.
struct DOSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dos",
        abstract: "Density of states of H0 from the exact levels or by the kernel polynomial method, for one or several disorder strengths W.",
        discussion: """
            rho(E) = (levels in the bin) / (sites * bin width * realizations): per site, per unit \
            energy, per spin, integrating to 1 (the paper's Fig. 3 uses 60x60, t2 = 0.6 t1, \
            15 realizations, W = 0..12: --preset paper --W 0,3,6,9,12 --realizations 15). \
            Bins have edges on multiples of --bin-width, shared by all W.

            dos.csv: energy_low, energy_high, energy_center and one column dos_W<W> per W. \
            summary.json, arrays aligned with "W": bandwidth (highest minus lowest level, mean \
            over realizations; 8.8 at W = 0 for t1 = 1, t2 = 0.6) with its standard error, and, \
            when a filling is given, fermi_energy and dos_at_fermi (levels within +-bin width/2 \
            of E_F per site per unit energy). r###/eigenvalues_W<W>.npy hold the levels.

            --method kpm: the kernel polynomial method on the matrix-free t-t'-W stencil (no \
            diagonalization; O(sites) memory, for 1000x1000 and beyond): M Chebyshev moments \
            (--moments), R random +-1 vectors per realization (--vectors, seeded by --seed and the \
            realization), Jackson or Lorentz kernel (--kernel). dos.csv: energy (on a grid of \
            spacing --bin-width), dos_W<W> and dos_W<W>_stderr (standard error over all random \
            vectors of all realizations), idos_W<W> (fraction of levels below E per spin) and its \
            stderr. With a filling, summary.json gives E_F per realization from the integrated \
            DOS with its error, refined by one inertia count (LDL^T of H - E_F) up to \
            \(KPMCommandSupport.inertiaSiteLimit) sites. --ldos i,j,...: exact local DOS at those \
            sites (i = x + Lx y) in ldos_W<W>.csv.
            """)

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Eigensolver (shift-invert: levels in --energies a:b only)") var solverOptions: SolverOptions
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Only levels with energy in [a, b] (units of t1); required with --solver shift-invert, e.g. --energies=-1:0.5.",
        valueName: "a:b"))
    var energies: String?
    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Energy bin width of the histogram, or the energy grid spacing with --method kpm (units of t1).")
    var binWidth: Double = 0.1

    @OptionGroup(title: "Kernel polynomial method") var kpm: KPMOptions

    func validate() throws {
        guard binWidth.isFinite, binWidth > 0 else { throw ValidationError("--bin-width must be a positive number, got \(binWidth)") }
        try kpm.validate(energies: energies, solver: solverOptions.solver)
    }

    /// "9" for 9.0, "4.5" for 4.5: the W label of file and column names.
    static func label(_ w: Double) -> String {
        w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : "\(w)"
    }

    func run() throws {
        let base = try model.resolve(needsFilling: false, allowWList: true)
        let ws = try model.disorderStrengths(default: base.parameters.disorderStrength)
        if ws.count > 1 && base.disorderFile != nil {
            throw ValidationError("a disorder file fixes the on-site energies; give --W a single value (or none) with --disorder")
        }
        if Set(ws).count != ws.count { throw ValidationError("--W lists a value twice: \(model.disorder ?? "")") }
        if kpm.method == "kpm" { return try runKPM(base: base, ws: ws) }
        let window = try StateOptions.resolve(states: nil, energies: energies, base)
        try solverOptions.refusePatches("dos")
        let choice = solverOptions.choice(default: .dense)
        if Eigensolver.resolve(choice, sites: base.lattice.siteCount, selection: window) == .shiftInvert || choice == .shiftInvert,
           window == .all {
            throw ValidationError("dos with --solver \(choice.rawValue) needs an energy window --energies a:b: shift-invert computes the levels in a window, not the whole band (use --solver dense for the DOS of the whole band)")
        }
        let request = try solverOptions.request(selection: window, vectors: false, sites: base.lattice.siteCount,
                                                needsAll: "give --energies a:b")
        let sparse = Eigensolver.resolve(request.solver, sites: base.lattice.siteCount, selection: window) == .shiftInvert
        // The histogram spans the Gershgorin bound of H0 at the largest W, in bins of --bin-width;
        // every level of every (W, realization) is held until the histogram is built.
        var widest = base
        widest.parameters.disorderStrength = ws.max()!
        let bound = try StateOptions.spectralBound(widest)
        let bins = (bound.upperBound - bound.lowerBound) / binWidth + 2
        let sites = Double(base.lattice.siteCount)
        let plan = MemoryPlan.estimate(sites: base.lattice.siteCount, request: request, extra: [
            ("levels of every (W, realization)", 8 * sites * Double(ws.count * base.realizations.count)),
            ("DOS histogram (\(String(format: "%.3g", bins)) bins of --bin-width \(binWidth))", 8 * bins * Double(2 * ws.count + 3) + 32 * bins),
        ])
        let ctx = try RunContext(command: "dos", options: io, plan: plan)
        try ctx.run {
            let single = base.realizations.count == 1
            var levels = [[[Double]]]()        // [W][realization][level]
            var solver: SolveDiagnostics?
            for (k, w) in ws.enumerated() {
                var spec = base
                spec.parameters.disorderStrength = w
                var perW = [[Double]]()
                let d = try ctx.forEachRealization(
                    spec, request: request, saveDisorder: model.saveDisorder,
                    disorderName: "disorder_W\(Self.label(w)).npy", progressOffset: k * spec.realizations.count,
                    progressTotal: ws.count * spec.realizations.count
                ) { r, _, _, sol in
                    try ctx.writeRealizationArray(sol.pairs.values, name: "eigenvalues_W\(Self.label(w)).npy", realization: r, single: single)
                    perW.append(sol.pairs.values)
                }
                solver = solver.map { $0.merged(with: d) } ?? d
                levels.append(perW)
            }
            let all = levels.flatMap { $0.flatMap { $0 } }
            let bins = EnergyBins(covering: all.min()!, all.max()!, width: binWidth)
            let n = base.lattice.siteCount
            let histograms = levels.map { DensityOfStates.histogram(levels: $0, siteCount: n, binWidth: binWidth, bins: bins) }
            var table = CSVTable(header: ["energy_low", "energy_high", "energy_center"] + ws.map { "dos_W\(Self.label($0))" })
            for b in 0..<bins.count {
                table.append([.double(bins.lowerEdge(b)), .double(bins.upperEdge(b)), .double(bins.center(b))]
                             + histograms.map { .double($0.density[b]) })
            }
            try ctx.output.write(csv: table, to: "dos.csv")

            var bandwidth = [Double](), bandwidthErr = [Double](), perW = [JSON]()
            var fermi = [Double](), dosFermi = [Double](), dosFermiErr = [Double]()
            for (k, w) in ws.enumerated() {
                let widths = window == .all ? levels[k].map(DensityOfStates.bandwidth) : levels[k].map { _ in Double.nan }
                bandwidth.append(Statistics.mean(widths)); bandwidthErr.append(Statistics.standardError(widths))
                var entry: [(String, JSON)] = [("W", .number(w)), ("bandwidth", realizationStatistics(widths)),
                                               ("dos_integral", .number(histograms[k].integral))]
                if let f = base.filling, window == .all {
                    let ef = levels[k].map { 0.5 * ($0[f.fermiIndex - 1] + $0[f.fermiIndex]) }
                    let rho = zip(levels[k], ef).map { DensityOfStates.atEnergy($1, levels: $0, siteCount: n, width: binWidth) }
                    fermi.append(Statistics.mean(ef)); dosFermi.append(Statistics.mean(rho)); dosFermiErr.append(Statistics.standardError(rho))
                    entry += [("fermi_energy", realizationStatistics(ef)), ("dos_at_fermi", realizationStatistics(rho))]
                }
                perW.append(.object(entry))
            }
            var body: [(String, JSON)] = [
                ("parameters", base.json.setting("W", .numbers(ws))),
                ("W", .numbers(ws)),
                ("bin_width", .number(binWidth)),
                ("dos_normalization", .string("per site, per unit energy, per spin; integrates to 1")),
                ("bandwidth", .numbers(bandwidth)),
                ("bandwidth_stderr", .numbers(bandwidthErr)),
            ]
            if window != .all {
                body += [("energy_window", window.json), ("eigen_path", .string(sparse ? "sparse (shift-invert, levels in the window only)" : "dense (levels in the window only)")),
                         ("states_note", .string("only the levels in energy_window were computed: dos.csv is exact in bins inside the window (zero outside it); bandwidth and dos_at_fermi need the whole band (NaN/null here; use --solver dense without --energies)")),
                         ("dos_at_fermi", .null)]
            } else if base.filling != nil {
                body += [("fermi_energy", .numbers(fermi)), ("dos_at_fermi", .numbers(dosFermi)),
                         ("dos_at_fermi_stderr", .numbers(dosFermiErr)),
                         ("dos_at_fermi_definition", .string("levels with |E - E_F| <= bin_width/2, per site per unit energy, mean over realizations"))]
            } else {
                body += [("dos_at_fermi", .null), ("dos_at_fermi_note", .string("no filling given (--particles, --filling or --preset paper)"))]
            }
            body += [("solver", solver!.json), ("per_W", .array(perW))]
            try ctx.writeSummary(body)
        }
    }
}
