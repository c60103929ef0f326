import FermiGlassIO
import FermiGlassInteracting
import FermiGlassObservables
import Foundation

/// What `hartree-fock` writes, from the records of every realization: per (realization, U)
/// `r###/U<value>/` moments.npy (m_i = n_up - n_dn), density_up.npy, density_down.npy,
/// eigenvalues_up.npy, eigenvalues_down.npy, near_fermi.csv, lattice.json (and `partial/` for a
/// U that did not converge); hartree_fock.csv; the summary body.
public struct HartreeFockReport: Sendable {
    public var records: [HartreeFockStudy.Record]
    public var table: CSVTable
    /// (realization, U) that did not converge.
    public var unconverged: Int
    /// The first of them, "realization r, U = u: why" (nil when every one converged).
    public var firstFailure: String?
    /// summary.json without command, status and provenance.
    public var summary: [(String, JSON)]
    let study: HartreeFockStudy

    /// The columns of hartree_fock.csv.
    public static let header = ["realization", "U", "mode", "converged", "energy", "energy_from_h0", "moment_count",
                                "sum_abs_moment", "total_sz", "n_up", "n_down", "fermi_energy", "gap", "iterations",
                                "sz", "hessian_min_eigenvalue", "distinct_minima", "starts_reaching_minimum"]

    /// `warmStart`: the --warm-start directory as given (recorded).
    init(_ study: HartreeFockStudy, records: [HartreeFockStudy.Record], warmStart: String?) {
        self.study = study
        self.records = records
        var table = CSVTable(header: Self.header)
        let points = records.flatMap { r in r.points.map { (r.realization, $0) } }
        for (_, p) in points { table.rows.append(p.row) }
        self.table = table
        let failed = points.filter { !$0.1.converged }
        unconverged = failed.count
        firstFailure = failed.first.map { "realization \($0.0), U = \($0.1.U): \($0.1.error ?? "")" }
        let o = study.options, free = o.mode == .free
        summary = [("converged", .bool(unconverged == 0)), ("unconverged", .int(unconverged)),
                   ("parameters", study.spec.json), ("mode", .string(o.mode.rawValue)),
                   ("spin_split", .string(o.spinUp.map { "fixed N_up = \($0)" }
                       ?? (free ? "free (aufbau over both spins; fixed splits around the last one if that has no fixed point)" : "N/2 per spin"))),
                   ("starts", .int(free ? o.starts : 1)), ("start_seed", .string(String(o.seed))),
                   ("initial_moment_amplitude", .number(o.initialMomentAmplitude)), ("annealing", .numbers(o.annealing)),
                   ("sweep", .string(free && study.bothDirections && study.interactions.count > 1 ? "both" : "up")),
                   ("resumed", .bool(study.resume)), ("hops", .int(free && o.stability ? o.hops : 0)),
                   ("susceptibility_starts", .int(free ? o.susceptibilityStarts : 0)), ("first_order_starts", .int(free ? o.firstOrderStarts : 0)),
                   ("moment_threshold", .number(study.momentThreshold)), ("U", .numbers(study.interactions)),
                   ("self_consistency", Self.selfConsistency(o, warmStart: warmStart)), ("results", .array(points.map(\.1.entry)))]
    }

    /// Writes every file but summary.json into `out`; the checkpoint's `partial/` of each U that
    /// did not converge moves to `r###/U<value>/partial`.
    public func write(to out: OutputDirectory) throws {
        let single = records.count == 1 && study.interactions.count == 1
        for record in records {
            let identity = HartreeFockStudy.identity(study.spec, realization: record.realization)
            if study.saveDisorder {
                try out.write(npy: try study.spec.model(realization: record.realization).onsiteEnergies,
                              to: String(format: "r%03d/disorder.npy", record.realization))
            }
            for p in record.points {
                if p.converged {
                    let files = [("moments.npy", p.moments), ("density_up.npy", p.densityUp), ("density_down.npy", p.densityDown),
                                 ("eigenvalues_up.npy", p.eigenvaluesUp), ("eigenvalues_down.npy", p.eigenvaluesDown)]
                    for (name, values) in files {
                        try out.write(npy: values, to: "\(p.folder)/\(name)")
                        if single { try out.write(npy: values, to: name) }
                    }
                    if let t = p.nearFermi { try out.write(csv: t, to: "\(p.folder)/near_fermi.csv") }
                    try out.write(json: identity, to: "\(p.folder)/lattice.json")
                    if single { try out.write(json: identity, to: "lattice.json") }
                } else if p.partialSaved, let c = study.checkpoint {
                    try Self.copyPartial(from: c, folder: p.folder, to: out)
                }
            }
        }
        try out.write(csv: table, to: "hartree_fock.csv")
    }

    /// Copies `<checkpoint>/<folder>/partial/*` to `<out>/<folder>/partial/`.
    static func copyPartial(from c: HartreeFockCheckpoint, folder: String, to out: OutputDirectory) throws {
        let src = c.url(folder + "/partial")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: src.path)) ?? [] where !name.hasPrefix(".") {
            try out.write(Data(contentsOf: src.appendingPathComponent(name)), to: "\(folder)/partial/\(name)")
        }
    }

    /// The summary block describing the iteration settings.
    public static func selfConsistency(_ o: HartreeFockOptions, warmStart: String?) -> JSON {
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
}

extension HartreeFockStudy {
    /// The report of the records (in unit order).
    public func aggregate(_ records: [Record]) -> HartreeFockReport {
        HartreeFockReport(self, records: records, warmStart: initialSource)
    }

    /// near_fermi.csv: the `levels` HF orbitals on each side of E_F per spin, with IPR and U IPR.
    static func nearFermiTable(_ r: HartreeFockResult, levels: Int) -> CSVTable {
        var csv = CSVTable(header: ["spin", "level", "relative_to_fermi_index", "energy", "ipr", "U_ipr", "occupied"])
        for (spin, channel) in [("up", r.up), ("down", r.down)] {
            let lo = max(0, channel.occupied - levels), hi = min(channel.orbitals.count, channel.occupied + levels)
            guard lo < hi else { continue }
            let ipr = Localization.ipr(channel.orbitals.subset(lo..<hi))
            for (k, a) in (lo..<hi).enumerated() {
                csv.append([.string(spin), .string(String(a)), .string(String(a - channel.occupied)), .string("\(channel.orbitals.values[a])"),
                            .string("\(ipr[k])"), .string("\(r.options.U * ipr[k])"), .string(a < channel.occupied ? "1" : "0")])
            }
        }
        return csv
    }

    /// The summary.json entry of a converged (realization, U).
    public static func entry(_ r: HartreeFockResult, realization: Int, threshold: Double, seconds: Double, directory: String) -> JSON {
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
        var following = JSON.null
        if let f = r.following {
            following = .object([("stop", .string(f.stop)), ("steps", .int(f.angles.count)), ("energies", .numbers(f.energies)),
                                 ("eigenvalues", .numbers(f.eigenvalues)), ("angles", .numbers(f.angles))])
        }
        let minima: [JSON] = r.minima.map { m in
            .object([("energy", .number(m.energy)), ("sz", .number(m.sz)), ("sum_abs_moment", .number(m.totalAbsoluteMoment)),
                     ("hessian_min_eigenvalue", .number(m.hessianMinEigenvalue)), ("starts", .array(m.starts.map { .int($0) }))])
        }
        return [("hessian_min_eigenvalue", r.stability.map { .number($0.hessianMinEigenvalue) } ?? .null),
                ("stability_radius", r.stabilityRadius.map { .number($0) } ?? .null),
                ("hessian_residual", r.stability.map { .number($0.residual) } ?? .null),
                ("hessian_dimension", r.stability.map { .int($0.dimension) } ?? .null),
                ("is_minimum", r.stability.map { .bool($0.isMinimum) } ?? .null),
                ("following", following),
                ("distinct_minima", .int(r.minima.count)),
                ("starts_reaching_minimum", r.minima.first.map { .int($0.starts.count) } ?? .null),
                ("minima", .array(minima))]
    }

    /// Every attempt of a solve (start, occupation rule, fixed split, iterations, outcome).
    public static func runs(_ r: HartreeFockResult) -> JSON {
        .array(r.runs.map { run in
            .object([("start", .int(run.start)), ("occupation", .string(run.occupation.rawValue)),
                     ("fixed_spin_up", run.fixedSpinUp.map { .int($0) } ?? .null),
                     ("converged", .bool(run.converged)), ("iterations", .int(run.iterations)),
                     ("density_residual", .number(run.densityResidual)), ("energy", run.energy.isFinite ? .number(run.energy) : .null),
                     ("total_sz", run.totalSz.isFinite ? .number(run.totalSz) : .null)])
        })
    }
}
