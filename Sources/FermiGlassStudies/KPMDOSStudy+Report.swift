import FermiGlassIO
import FermiGlassObservables
import FermiGlassSolvers

extension KPMDOSStudy {
    /// What `fermiglass dos --method kpm` writes: dos.csv (energy, dos_W<W> and idos_W<W> with
    /// their standard errors), r###/kpm_moments_W<W>.npy (R x M), ldos_W<W>.csv per realization
    /// for the LDOS sites, disorder_W<W>.npy with `saveDisorder`, and the summary.
    public func report(_ result: Result, saveDisorder: Bool = false) throws -> StudyReport {
        var out = StudyReport()
        let ws = disorderStrengths, single = spec.realizations.count == 1
        let energies = result.energies, m = options.moments, kernel = options.kernel
        for rec in result.records {
            let l = DOSStudy.label(ws[rec.w]), dir = StudyReport.realizationDirectory(rec.realization)
            if saveDisorder {
                out.add("\(dir)/disorder_W\(l).npy", .doubles(try grid.spec(w: rec.w).model(realization: rec.realization).onsiteEnergies, shape: nil))
            }
            out.addRealizationArray(rec.moments, shape: [options.vectors, m], name: "kpm_moments_W\(l).npy",
                                    realization: rec.realization, single: single)
        }
        var header = ["energy"]
        for w in ws { let l = DOSStudy.label(w); header += ["dos_W\(l)", "dos_W\(l)_stderr", "idos_W\(l)", "idos_W\(l)_stderr"] }
        var table = CSVTable(header: header)
        for e in 0..<energies.count {
            var row: [CSVCell] = [.double(energies[e])]
            for k in 0..<ws.count {
                row += [.double(result.dos[k].value[e]), .double(result.dos[k].standardError[e]),
                        .double(result.idos[k].value[e]), .double(result.idos[k].standardError[e])]
            }
            table.append(row)
        }
        out.add("dos.csv", .csv(table))
        if !ldosSites.isEmpty {
            let g = kernel.coefficients(m)
            for rec in result.records {
                var t = CSVTable(header: ["energy"] + ldosSites.map { "ldos_site\($0)" })
                let columns = rec.localMomentRows(m).map { KernelPolynomial.density(moments: $0, kernel: g, bounds: rec.bounds, at: energies) }
                for e in 0..<energies.count { t.append([.double(energies[e])] + columns.map { .double($0[e]) }) }
                let name = "ldos_W\(DOSStudy.label(ws[rec.w])).csv"
                out.add("\(StudyReport.realizationDirectory(rec.realization))/\(name)", .csv(t))
                if single { out.add(name, .csv(t)) }
            }
        }
        var perW = [JSON]()
        for (k, w) in ws.enumerated() {
            let dos = result.dos[k].value
            let integral = zip(energies.dropLast(), energies.dropFirst()).enumerated()
                .reduce(0.0) { acc, p in acc + 0.5 * (dos[p.offset] + dos[p.offset + 1]) * (p.element.1 - p.element.0) }
            let recs = result.records.filter { $0.w == k }
            var entry: [(String, JSON)] = [
                ("W", .number(w)), ("dos_integral", .number(integral)),
                ("spectral_bounds", .array(recs.map { .numbers([$0.bounds.lower, $0.bounds.upper]) })),
            ]
            if let f = spec.filling {
                entry += [
                    ("fermi_energy_kpm", .numbers(recs.map { $0.fermiEnergy! })),
                    ("fermi_energy_kpm_error", .numbers(recs.map { $0.fermiError! })),
                    ("dos_at_fermi_kpm", .numbers(recs.map { $0.fermiDensity! })),
                    ("levels_below_fermi_energy_kpm", refine ? .ints(recs.map { $0.levelsBelow! }) : .null),
                    ("fermi_index", .int(f.fermiIndex)),
                    ("fermi_energy_refined", refine ? .numbers(recs.map { $0.refinedEnergy! }) : .null),
                    ("fermi_energy", realizationStatistics(recs.map { $0.refinedEnergy ?? $0.fermiEnergy! })),
                ]
            }
            perW.append(.object(entry))
        }
        var lambda: JSON = .null
        if case .lorentz(let l) = kernel { lambda = .number(l) }
        var body: [(String, JSON)] = [
            ("parameters", spec.json.setting("W", .numbers(ws))),
            ("W", .numbers(ws)),
            ("method", .string("kpm")),
            ("moments", .int(m)),
            ("vectors", .int(options.vectors)),
            ("kernel", .string(kernel.name)),
            ("kernel_lambda", lambda),
            ("block_size", .int(options.blockSize)),
            ("random_vectors", .string("Rademacher +-1, element i of vector k from splitmix64 of (vectorSeed(seed, realization), k, i); see KernelPolynomial.randomSign")),
            ("operator", .string("matrix-free t-t'-W stencil (LatticeStencil), bit-identical to the CSR Hamiltonian")),
            ("energy_grid_spacing", .number(gridSpacing)),
            ("dos_normalization", .string("per site, per unit energy, per spin; integrates to 1")),
            ("error_bars", .string("standard error over all random vectors of all realizations (R x realizations samples)")),
            ("moment_seconds", .number(result.records.reduce(0) { $0 + $1.momentSeconds })),
            ("block_products", .int(result.records.reduce(0) { $0 + $1.blockProducts })),
        ]
        if spec.filling != nil {
            body += [("fermi_energy_definition", .string("KPM: the mean integrated DOS per spin equals N / (2 V); error = stderr of the integrated DOS / DOS there. Refined (up to \(Self.inertiaSiteLimit) sites): one inertia count at the estimate gives the exact number of levels below it, and the estimate moves by (N/2 - count) / (V rho(E_F))")),
                     ("inertia_refinement", .bool(refine))]
        }
        body += [("per_W", .array(perW))]
        out.summary = body
        return out
    }
}
