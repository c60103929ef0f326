import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `dos --method kpm`: the options and what the command writes; the physics is
/// ``KPMDensityOfStates`` and ``KernelPolynomial``.
struct KPMOptions: ParsableArguments {
    @Option(help: "exact (histogram of the exact levels, default) or kpm (kernel polynomial method, matrix-free).")
    var method: String = "exact"

    @Option(help: ArgumentHelp("Chebyshev moments M (kpm; default 1000). Resolution ~ pi a / M, a the spectral half width.", valueName: "M"))
    var moments: Int?

    @Option(help: ArgumentHelp("Random vectors R per realization (kpm; default 10); the error bar is their spread.", valueName: "R"))
    var vectors: Int?

    @Option(help: "Damping kernel (kpm): jackson (default) or lorentz (lambda = 4).")
    var kernel: String?

    @Option(help: ArgumentHelp("Exact local DOS at these sites (kpm), comma-separated site indices i = x + Lx y.", valueName: "i,j,..."))
    var ldos: String?

    @Option(help: "Random vectors per block product (kpm; memory 2 x sites x block doubles).")
    var kpmBlock: Int = 8

    var resolvedKernel: KPMKernel { kernel == "lorentz" ? .lorentz(lambda: 4) : .jackson }
    var resolvedMoments: Int { moments ?? 1000 }
    var resolvedVectors: Int { vectors ?? 10 }

    /// The LDOS sites, parsed (validate() has checked the syntax).
    var ldosSites: [Int] { ldos.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } } ?? [] }

    func validate(energies: String?, solver: String?) throws {
        guard method == "exact" || method == "kpm" else { throw ValidationError("--method must be exact or kpm, got '\(method)'") }
        if method == "exact" {
            if moments != nil || vectors != nil || kernel != nil || ldos != nil {
                throw ValidationError("--moments, --vectors, --kernel and --ldos need --method kpm")
            }
            return
        }
        if let m = moments, m < 2 { throw ValidationError("--moments must be at least 2, got \(m)") }
        if let r = vectors, r < 1 { throw ValidationError("--vectors must be at least 1, got \(r)") }
        if let k = kernel, k != "jackson" && k != "lorentz" { throw ValidationError("--kernel must be jackson or lorentz, got '\(k)'") }
        guard kpmBlock >= 1 else { throw ValidationError("--kpm-block must be positive, got \(kpmBlock)") }
        if let l = ldos {
            for part in l.split(separator: ",", omittingEmptySubsequences: false) {
                guard let i = Int(part.trimmingCharacters(in: .whitespaces)), i >= 0 else {
                    throw ValidationError("--ldos: '\(part)' is not a site index (a non-negative integer)")
                }
            }
        }
        if energies != nil { throw ValidationError("--energies selects exact levels; --method kpm covers the whole band") }
        if solver != nil { throw ValidationError("--solver applies to --method exact; --method kpm needs no eigensolver") }
    }
}

enum KPMCommandSupport {
    /// Up to this many sites, E_F is refined by one inertia count (an LDL^T factorization of
    /// H - E_F: affordable in time and memory; about 1 GB of factor at 512 x 512).
    static let inertiaSiteLimit = 512 * 512
}

extension DOSCommand {
    func runKPM(base: ModelSpec, ws: [Double]) throws {
        let n = base.lattice.siteCount
        let sites = kpm.ldosSites
        if let bad = sites.first(where: { $0 >= n }) {
            throw ValidationError("--ldos: site \(bad) is out of range 0..<\(n) for the \(base.lattice.lx)x\(base.lattice.ly) lattice")
        }
        let options = KPMDensityOfStates.Options(moments: kpm.resolvedMoments, vectors: kpm.resolvedVectors, kernel: kpm.resolvedKernel,
                                                 seed: base.seed, blockSize: kpm.kpmBlock, threads: io.threads)
        let sitesD = Double(n), block = Double(min(options.blockSize, options.vectors))
        var plan = MemoryEstimate()
        plan.add("two Chebyshev blocks (sites x \(Int(block)) vectors)", bytes: 2 * 8 * sitesD * block)
        plan.add("on-site energies (model and stencil) and 3 Lanczos vectors", bytes: 5 * 8 * sitesD)
        if base.filling != nil && n <= KPMCommandSupport.inertiaSiteLimit {
            plan.add("sparse LDL^T factor for the inertia count at E_F", bytes: MemoryPlan.sparseFactorBytesPerSite * sitesD)
        }
        let ctx = try RunContext(command: "dos", options: io, plan: plan)
        try ctx.run {
            let single = base.realizations.count == 1
            var results = [[KPMDensityOfStates.Realization]]()   // [W][realization]
            var models = [[DisorderedModel]]()
            let clock = ContinuousClock()
            var momentSeconds = 0.0
            for (k, w) in ws.enumerated() {
                var spec = base
                spec.parameters.disorderStrength = w
                var perW = [KPMDensityOfStates.Realization](), perModel = [DisorderedModel]()
                for (j, r) in spec.realizations.enumerated() {
                    let m = try spec.model(realization: r)
                    if model.saveDisorder {
                        try ctx.output.write(npy: m.onsiteEnergies, to: "\(RunContext.realizationDirectory(r))/disorder_W\(Self.label(w)).npy")
                    }
                    let start = clock.now
                    let res = try KPMDensityOfStates.moments(of: m, realization: r, ldos: sites, options: options)
                    let d = clock.now - start
                    momentSeconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                    try ctx.writeRealizationArray(res.moments.perVector.flatMap { $0 }, shape: [options.vectors, options.moments],
                                                  name: "kpm_moments_W\(Self.label(w)).npy", realization: r, single: single)
                    perW.append(res); perModel.append(m)
                    ctx.progress(k * spec.realizations.count + j + 1, of: ws.count * spec.realizations.count)
                }
                results.append(perW); models.append(perModel)
            }
            // One energy grid for every W: spacing --bin-width, covering every realization's bounds.
            let lower = results.flatMap { $0.map(\.bounds.lower) }.min()!, upper = results.flatMap { $0.map(\.bounds.upper) }.max()!
            let first = (lower / binWidth).rounded(.down) * binWidth
            let energies = stride(from: first, through: upper + binWidth, by: binWidth).map { $0 }
            let kernel = options.kernel
            var dos = [KPMEstimate](), idos = [KPMEstimate]()
            for perW in results {
                dos.append(KPMEstimate(energies: energies, samples: perW.flatMap { $0.moments.perVectorDensity(kernel: kernel, bounds: $0.bounds, at: energies) }))
                idos.append(KPMEstimate(energies: energies, samples: perW.flatMap { $0.moments.perVectorIntegratedDensity(kernel: kernel, bounds: $0.bounds, at: energies) }))
            }
            var header = ["energy"]
            for w in ws { let l = Self.label(w); header += ["dos_W\(l)", "dos_W\(l)_stderr", "idos_W\(l)", "idos_W\(l)_stderr"] }
            var table = CSVTable(header: header)
            for e in 0..<energies.count {
                var row: [CSVCell] = [.double(energies[e])]
                for k in 0..<ws.count {
                    row += [.double(dos[k].value[e]), .double(dos[k].standardError[e]), .double(idos[k].value[e]), .double(idos[k].standardError[e])]
                }
                table.append(row)
            }
            try ctx.output.write(csv: table, to: "dos.csv")
            if !sites.isEmpty {
                for (k, w) in ws.enumerated() {
                    for (j, r) in base.realizations.enumerated() {
                        let res = results[k][j]
                        let g = kernel.coefficients(options.moments)
                        var t = CSVTable(header: ["energy"] + sites.map { "ldos_site\($0)" })
                        let columns = res.localMoments.map { KernelPolynomial.density(moments: $0, kernel: g, bounds: res.bounds, at: energies) }
                        for e in 0..<energies.count { t.append([.double(energies[e])] + columns.map { .double($0[e]) }) }
                        try ctx.output.write(csv: t, to: "\(RunContext.realizationDirectory(r))/ldos_W\(Self.label(w)).csv")
                        if single { try ctx.output.write(csv: t, to: "ldos_W\(Self.label(w)).csv") }
                    }
                }
            }
            // E_F per realization, refined by an inertia count where the factorization is affordable.
            var perW = [JSON]()
            let refine = n <= KPMCommandSupport.inertiaSiteLimit
            for (k, w) in ws.enumerated() {
                let integral = zip(energies.dropLast(), energies.dropFirst()).enumerated()
                    .reduce(0.0) { acc, p in acc + 0.5 * (dos[k].value[p.offset] + dos[k].value[p.offset + 1]) * (p.element.1 - p.element.0) }
                var entry: [(String, JSON)] = [
                    ("W", .number(w)), ("dos_integral", .number(integral)),
                    ("spectral_bounds", .array(results[k].map { .numbers([$0.bounds.lower, $0.bounds.upper]) })),
                ]
                if let f = base.filling {
                    let est = try zip(results[k], models[k]).map {
                        try KPMDensityOfStates.fermiLevel(f, realization: $0.0, kernel: kernel, hamiltonian: refine ? $0.1.hamiltonian() : nil)
                    }
                    entry += [
                        ("fermi_energy_kpm", .numbers(est.map(\.energy))),
                        ("fermi_energy_kpm_error", .numbers(est.map(\.error))),
                        ("dos_at_fermi_kpm", .numbers(est.map(\.density))),
                        ("levels_below_fermi_energy_kpm", refine ? .ints(est.map { $0.levelsBelow! }) : .null),
                        ("fermi_index", .int(f.fermiIndex)),
                        ("fermi_energy_refined", refine ? .numbers(est.map { $0.refinedEnergy! }) : .null),
                        ("fermi_energy", realizationStatistics(est.map { $0.refinedEnergy ?? $0.energy })),
                    ]
                }
                perW.append(.object(entry))
            }
            var body: [(String, JSON)] = [
                ("parameters", base.json.setting("W", .numbers(ws))),
                ("W", .numbers(ws)),
                ("method", .string("kpm")),
                ("moments", .int(options.moments)),
                ("vectors", .int(options.vectors)),
                ("kernel", .string(kernel.name)),
                ("kernel_lambda", kpm.kernel == "lorentz" ? .number(4) : .null),
                ("block_size", .int(options.blockSize)),
                ("random_vectors", .string("Rademacher +-1, element i of vector k from splitmix64 of (vectorSeed(seed, realization), k, i); see KernelPolynomial.randomSign")),
                ("operator", .string("matrix-free t-t'-W stencil (LatticeStencil), bit-identical to the CSR Hamiltonian")),
                ("energy_grid_spacing", .number(binWidth)),
                ("dos_normalization", .string("per site, per unit energy, per spin; integrates to 1")),
                ("error_bars", .string("standard error over all random vectors of all realizations (R x realizations samples)")),
                ("moment_seconds", .number(momentSeconds)),
                ("block_products", .int(results.flatMap { $0 }.reduce(0) { $0 + $1.blockProducts })),
            ]
            if base.filling != nil {
                body += [("fermi_energy_definition", .string("KPM: the mean integrated DOS per spin equals N / (2 V); error = stderr of the integrated DOS / DOS there. Refined (up to \(KPMCommandSupport.inertiaSiteLimit) sites): one inertia count at the estimate gives the exact number of levels below it, and the estimate moves by (N/2 - count) / (V rho(E_F))")),
                         ("inertia_refinement", .bool(refine))]
            }
            body += [("per_W", .array(perW))]
            try ctx.writeSummary(body)
        }
    }
}
