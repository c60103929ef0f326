import FermiGlassIO
import Foundation

/// Tables and fits of a scaling run (`fermiglass bench scaling`).
public struct ScalingReport {
    public var measurements: [PhaseMeasurement]
    /// Sizes below this many sites are left out of the fits (fixed overheads dominate there),
    /// unless fewer than two sizes would remain.
    public var fitMinSites: Int = 0

    public init(measurements: [PhaseMeasurement], fitMinSites: Int = 0) {
        self.measurements = measurements
        self.fitMinSites = fitMinSites
    }

    /// The measurements of an earlier run's scaling.csv (columns as ``measurementsCSV()`` writes).
    public static func read(csv path: String) throws -> [PhaseMeasurement] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        let expected = ["phase", "Lx", "Ly", "sites", "repeats", "median_s", "min_s", "max_s", "peak_rss_bytes", "metrics"]
        guard header == expected else { throw IOError.invalidFile("\(path) is not a bench scaling CSV (header \(header))") }
        return try lines.dropFirst().enumerated().map { (k, line) in
            var cells = line.split(separator: ",", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
            guard cells.count == 10, let lx = Int(cells[1]), let ly = Int(cells[2]), let repeats = Int(cells[4]),
                  let median = Double(cells[5]), let lo = Double(cells[6]), let hi = Double(cells[7]), let peak = Int(cells[8]) else {
                throw IOError.invalidFile("\(path) line \(k + 2) is malformed: \(line)")
            }
            cells[9] = cells[9].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let metrics = cells[9].split(separator: ";").compactMap { kv -> (String, Double)? in
                let parts = kv.split(separator: "=")
                guard parts.count == 2, let v = Double(parts[1]) else { return nil }
                return (String(parts[0]), v)
            }
            return PhaseMeasurement(phase: cells[0], lx: lx, ly: ly, timing: TimingSummary(min: lo, median: median, max: hi, repeats: repeats),
                                    peakBytes: peak, metrics: metrics)
        }
    }

    /// Phases in first-measured order.
    var phases: [String] {
        var seen = [String]()
        for m in measurements where !seen.contains(m.phase) { seen.append(m.phase) }
        return seen
    }

    /// The rows of `phase` that enter its fit.
    func fitRows(_ phase: String) -> [PhaseMeasurement] {
        let rows = measurements.filter { $0.phase == phase }
        let large = rows.filter { $0.sites >= fitMinSites }
        return Set(large.map(\.sites)).count >= 2 ? large : rows
    }

    func fit(_ phase: String) -> PowerLawFit? {
        let rows = fitRows(phase)
        return PowerLawFit.fit(sizes: rows.map { Double($0.sites) }, times: rows.map { $0.timing.median })
    }

    /// The same request (the Fermi window levels:K/2) on `--solver dense` against
    /// `--solver shift-invert`: the decision `--solver auto` makes. Nil when either was not run.
    var crossover: (dense: String, sparse: String, result: Crossover)? {
        let densePhase = BenchPhase.fermiWindowDense.rawValue, sparsePhase = BenchPhase.fermiWindowSparse.rawValue
        let dense = Dictionary(measurements.filter { $0.phase == densePhase }.map { ($0.sites, $0.timing.median) },
                               uniquingKeysWith: { a, _ in a })
        let sparse = Dictionary(measurements.filter { $0.phase == sparsePhase }.map { ($0.sites, $0.timing.median) },
                                uniquingKeysWith: { a, _ in a })
        guard !dense.isEmpty, !sparse.isEmpty else { return nil }
        return (densePhase, sparsePhase, Crossover.find(dense: dense, sparse: sparse))
    }

    public func measurementsCSV() -> CSVTable {
        var t = CSVTable(header: ["phase", "Lx", "Ly", "sites", "repeats", "median_s", "min_s", "max_s", "peak_rss_bytes", "metrics"])
        for m in measurements {
            let metrics = m.metrics.map { "\($0.0)=\(JSON.format($0.1))" }.joined(separator: ";")
            t.append([.string(m.phase), .int(m.lx), .int(m.ly), .int(m.sites), .int(m.timing.repeats), .double(m.timing.median),
                      .double(m.timing.min), .double(m.timing.max), .int(m.peakBytes), .string(metrics)])
        }
        return t
    }

    public func exponentsCSV() -> CSVTable {
        var t = CSVTable(header: ["phase", "exponent", "prefactor_s", "points", "min_sites", "max_sites"])
        for p in phases {
            let rows = fitRows(p)
            guard let f = fit(p) else { continue }
            t.append([.string(p), .double(f.exponent), .double(f.prefactor), .int(f.points),
                      .int(rows.map(\.sites).min()!), .int(rows.map(\.sites).max()!)])
        }
        return t
    }

    public var summary: [(String, JSON)] {
        let ms = JSON.array(measurements.map { m in
            .object([("phase", .string(m.phase)), ("Lx", .int(m.lx)), ("Ly", .int(m.ly)), ("sites", .int(m.sites)),
                     ("median_s", .number(m.timing.median)), ("min_s", .number(m.timing.min)), ("max_s", .number(m.timing.max)),
                     ("repeats", .int(m.timing.repeats)), ("peak_rss_bytes", .int(m.peakBytes)),
                     ("metrics", .object(m.metrics.map { ($0.0, .number($0.1)) }))])
        })
        let exps = JSON.object(phases.compactMap { p in
            fit(p).map { f in
                let sites = fitRows(p).map(\.sites)
                return (p, .object([("exponent", .number(f.exponent)), ("prefactor_s", .number(f.prefactor)), ("points", .int(f.points)),
                                    ("min_sites", .int(sites.min()!)), ("max_sites", .int(sites.max()!))]))
            }
        })
        var crossoverJSON = JSON.object([("measured", .bool(false)),
                                         ("reason", .string("fermi_window_dense and fermi_window_sparse were not both measured"))])
        if let c = crossover {
            crossoverJSON = .object([
                ("measured", .bool(true)), ("dense_phase", .string(c.dense)), ("sparse_phase", .string(c.sparse)),
                ("last_dense_win_sites", c.result.lastDenseWin.map { .int($0) } ?? .null),
                ("first_sparse_win_sites", c.result.firstSparseWin.map { .int($0) } ?? .null),
                ("fitted_crossover_sites", c.result.fittedSites.map { .number($0) } ?? .null),
            ])
        }
        return [("measurements", ms), ("exponents", exps), ("crossover", crossoverJSON)]
    }

    /// Markdown tables for BENCHMARKS.md: median seconds per phase (rows) and size (columns),
    /// peak memory per size, the exponents and the crossover.
    public func markdown() -> String {
        let sizes = Array(Set(measurements.map(\.sites))).sorted()
        let side = Dictionary(measurements.map { ($0.sites, $0.lx) }, uniquingKeysWith: { a, _ in a })
        var out = "| phase | p | " + sizes.map { "L=\(side[$0]!) (N=\($0))" }.joined(separator: " | ") + " |\n"
        out += "|---|---|" + String(repeating: "---|", count: sizes.count) + "\n"
        for p in phases {
            let rows = Dictionary(measurements.filter { $0.phase == p }.map { ($0.sites, $0) }, uniquingKeysWith: { a, _ in a })
            let exponent = fit(p).map { String(format: "%.2f", $0.exponent) } ?? "-"
            out += "| \(p) | \(exponent) | " + sizes.map { n in rows[n].map { String(format: "%.3g", $0.timing.median) } ?? "" }
                .joined(separator: " | ") + " |\n"
        }
        out += "| peak RSS (MiB), max over phases | | " + sizes.map { n in
            String(format: "%.0f", Double(measurements.filter { $0.sites == n }.map(\.peakBytes).max() ?? 0) / 1_048_576)
        }.joined(separator: " | ") + " |\n"
        if let c = crossover {
            let r = c.result
            out += "\nCrossover \(c.dense) -> \(c.sparse): last dense win at \(r.lastDenseWin.map { "\($0) sites" } ?? "none"), "
                + "first sparse win at \(r.firstSparseWin.map { "\($0) sites" } ?? "none"), fitted N* = "
                + (r.fittedSites.map { String(format: "%.0f", $0) } ?? "none") + ".\n"
        }
        return out
    }

    /// The human-readable table printed to standard output.
    public func table() -> String {
        func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
        var lines = [pad("phase", 24) + zip(["L", "sites", "median s", "min s", "max s", "peak MiB"], [7, 10, 12, 12, 12, 11])
            .map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined() + "  metric"]
        for m in measurements {
            let metric = m.metrics.last.map { "\($0.0) = \(String(format: "%.4g", $0.1))" } ?? ""
            lines.append(pad(m.phase, 24) + String(format: " %6d %9d %11.4g %11.4g %11.4g %10.1f  ", m.lx, m.sites,
                                                   m.timing.median, m.timing.min, m.timing.max, Double(m.peakBytes) / 1_048_576) + metric)
        }
        lines.append("")
        lines.append("scaling exponents (t = a N^p, least squares on ln t vs ln N):")
        for p in phases {
            if let f = fit(p) { let sites = fitRows(p).map(\.sites)
                lines.append("  " + pad(p, 24) + String(format: " p = %5.2f  (%d sizes, N = %d..%d)", f.exponent, f.points, sites.min()!, sites.max()!)) }
        }
        if let c = crossover {
            let r = c.result
            lines.append("crossover \(c.dense) -> \(c.sparse): last dense win at \(r.lastDenseWin.map { "\($0) sites" } ?? "none"), "
                         + "first sparse win at \(r.firstSparseWin.map { "\($0) sites" } ?? "none"), fitted N* = "
                         + (r.fittedSites.map { String(format: "%.0f", $0) } ?? "none"))
        } else {
            lines.append("crossover dense -> sparse: not measured (fermi_window_dense and fermi_window_sparse not both run)")
        }
        return lines.joined(separator: "\n")
    }
}
