import FermiGlassIO
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// REPORT.md of `fermiglass reproduce`: every number Lau & Ng quote (CONVENTIONS.md §3) beside
/// ours, with its error bar, the choices behind it, and whether they agree.
///
/// Agreement: |ours - paper| <= 2 sigma_ours + half a unit of the paper's last quoted digit
/// (the paper gives no error bars). Fitted numbers carry bootstrap errors over realizations,
/// averages standard errors (sd / sqrt(R)).
struct PaperReport {
    struct Row {
        var quantity: String
        var paper: String
        var ours: String
        var choices: String
        var agree: String
        var json: JSON
    }

    var rows: [Row] = []
    var details: [String] = []
    let plan: ReproduceCommand.Plan
    let seconds: Double
    let threads: Int
    let seed: UInt64
    let cacheHits: Int

    init(root: URL, plan: ReproduceCommand.Plan, cacheHits: Int, seconds: Double, threads: Int, seed: UInt64) throws {
        self.plan = plan
        self.seconds = seconds
        self.threads = threads
        self.seed = seed
        self.cacheHits = cacheHits
        func summary(_ dir: String) throws -> JSON {
            let url = root.appendingPathComponent(dir).appendingPathComponent("summary.json")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw IOError.unreadable("cannot read \(url.path)") }
            return try JSON.parse(text)
        }
        /// A number from a summary; `null` (a fit that had too few points) reads as NaN and
        /// shows as "n/a".
        func num(_ j: JSON?, _ what: String) throws -> Double {
            guard let j else { throw IOError.invalidFile("summary lacks \(what)") }
            return j.doubleValue ?? .nan
        }
        let sites = plan.size * plan.size

        // L_loc over all states.
        let loc = try summary("localization")
        let lAll = try num(loc["localization_length"], "localization_length")
        let lAllErr = try num(loc["localization_length_stderr"], "localization_length_stderr")
        rows.append(Self.compare("L_loc = <IPR^-1/2>, all states", paper: 7.65, digits: 2, ours: lAll, error: lAllErr,
                                 choices: "all \(sites) states of \(plan.realizations) realizations; stderr over realizations"))

        let locSel = try summary("localization-fig1-states")
        let lSel = try num(locSel["localization_length"], "localization_length")
        let lSelErr = try num(locSel["localization_length_stderr"], "localization_length_stderr")
        rows.append(Self.compare("L_loc over the Fig. 1 states", paper: 6.03, digits: 2, ours: lSel, error: lSelErr,
                                 choices: "levels \(plan.fig1States.lowerBound)..<\(plan.fig1States.upperBound), \(plan.fig1Realizations) realizations (the authors' script: 6.03)"))

        let lTyp = try num(locSel["localization_length_typical"], "localization_length_typical")
        let lTypErr = locSel["localization_length_typical_stderr"]?.doubleValue ?? .nan
        rows.append(Self.compare("typical L_loc = exp<ln IPR>^-1/2 over the Fig. 1 states", paper: 6.03, digits: 2, ours: lTyp, error: lTypErr,
                                 choices: "the same states; the typical instead of the mean value (which of the two the authors' script computed is not stated)"))

        // Fig. 1 decay length.
        let f1 = try summary("fig1")
        let lam = try num(f1["decay_length"], "decay_length")
        let lamErr = f1["decay_length_bootstrap_error"]?.doubleValue ?? .nan
        let rAll = try num(f1["decay_length_over_L"], "decay_length_over_L")
        let rAllErr = f1["decay_length_over_L_bootstrap_error"]?.doubleValue ?? .nan
        let rSel = try num(f1["decay_length_over_L_selected"], "decay_length_over_L_selected")
        let rSelErr = f1["decay_length_over_L_selected_bootstrap_error"]?.doubleValue ?? .nan
        let bins = f1["bins"]?["centers"]?.arrayValue?.compactMap(\.doubleValue).map { JSON.format($0) }.joined(separator: ", ") ?? "?"
        let fitChoice = "pairs among levels \(plan.fig1States.lowerBound)..<\(plan.fig1States.upperBound) of \(plan.fig1Realizations) realizations, minimum-image distance, bins {\(bins)} +- 0.6, straight line through ln<chi>; bootstrap over realizations"
        rows.append(Self.compare("decay length of <chi>(d) / L, L over the Fig. 1 states", paper: 1.12, digits: 2, ours: rSel, error: rSelErr,
                                 choices: "the authors' choice of L; " + fitChoice))
        rows.append(Self.compare("decay length of <chi>(d) / L, L over all states", paper: 1.12, digits: 2, ours: rAll, error: rAllErr,
                                 choices: "CONVENTIONS.md's L (all states); " + fitChoice))
        let f1s = try summary("fig1-short-bins")
        let shortBins = f1s["bins"]?["centers"]?.arrayValue?.compactMap(\.doubleValue).map { JSON.format($0) }.joined(separator: ", ") ?? "?"
        rows.append(Self.compare("decay length / L, L over the Fig. 1 states, two shortest bins", paper: 1.12, digits: 2,
                                 ours: try num(f1s["decay_length_over_L_selected"], "decay_length_over_L_selected"),
                                 error: f1s["decay_length_over_L_selected_bootstrap_error"]?.doubleValue ?? .nan,
                                 choices: "as above but the line through bins {\(shortBins)} only: ln<chi>(d) bends towards the 1/N floor at larger d, so the fitted slope depends on the bins"))
        details.append(String(format: "Decay length itself: %.3f +- %.3f lattice constants (the paper's 1.12 x 6.03 = %.2f).", lam, lamErr, 1.12 * 6.03))

        // Fig. 2: 1/beta and polarized counts, under each algorithm and budget.
        var fig2Dirs = plan.proposals.map { ("fig2-paper-P\($0)", "paper Monte Carlo, \($0) proposals") }
        fig2Dirs.append(("fig2-default", "default minimizer (converged local search)"))
        let smallU = plan.us.filter { $0 >= 0.15 && $0 <= 0.4 }
        for (dir, label) in fig2Dirs {
            let g = try summary(dir)
            guard let results = g["results"]?.arrayValue else { throw IOError.invalidFile("\(dir)/summary.json lacks results") }
            var perU = [(u: Double, v: Double, e: Double, pol: Double, polErr: Double, un0: Double)]()
            for r in results {
                perU.append((try num(r["U"], "U"), r["inverse_beta_over_U_per_L2"]?.doubleValue ?? .nan,
                             r["inverse_beta_over_U_per_L2_error"]?.doubleValue ?? .nan,
                             try num(r["polarized_mean"], "polarized_mean"), r["polarized_stderr"]?.doubleValue ?? .nan,
                             r["U_N0"]?.doubleValue ?? .nan))
            }
            let small = perU.filter { u in smallU.contains { abs($0 - u.u) < 1e-12 } && u.v.isFinite }
            let mean = Statistics.mean(small.map(\.v))
            let err = (small.map { $0.e * $0.e }.reduce(0, +)).squareRoot() / Double(max(small.count, 1))
            rows.append(Self.compare("1/beta of the occupation fit, in U / L_loc^2", paper: 2.63, digits: 2, ours: mean, error: err,
                                     choices: "\(label); mean over U in {\(smallU.map { JSON.format($0) }.joined(separator: ", "))}; L_loc over all states; window levels:\(plan.window); bootstrap over \(plan.realizations) realizations"))
            // Linear at small U, faster above: slope through the origin for U <= 0.4, then the
            // excess of the largest U over the linear extrapolation.
            let lin = perU.filter { $0.u <= 0.4 }
            let slope = lin.map { $0.u * $0.pol }.reduce(0, +) / lin.map { $0.u * $0.u }.reduce(0, +)
            let top = perU.max { $0.u < $1.u }!
            let excess = top.pol - slope * top.u
            let faster = excess > 2 * top.polErr
            rows.append(Row(quantity: "polarized states against U", paper: "linear at small U, faster above",
                            ours: String(format: "%.2f per unit U up to U = 0.4; at U = %@: %.1f +- %.1f vs %.1f linear", slope, JSON.format(top.u), top.pol, top.polErr, slope * top.u),
                            choices: label, agree: faster ? "yes" : "no",
                            json: .object([("quantity", .string("polarized_vs_U")), ("algorithm", .string(label)), ("slope_small_U", .number(slope)),
                                           ("largest_U", .number(top.u)), ("polarized_at_largest_U", .number(top.pol)),
                                           ("linear_extrapolation", .number(slope * top.u)), ("agree", .bool(faster))])))
            var table = "| U | U N(0) | polarized | 1/beta in U/L_loc^2 |\n|---|---|---|---|\n"
            for p in perU {
                table += String(format: "| %@ | %.4f | %.2f +- %.2f | %.2f +- %.2f |\n", JSON.format(p.u), p.un0, p.pol, p.polErr, p.v, p.e)
            }
            details.append("Fig. 2, \(label) (`\(dir)/`):\n\n" + table)
        }

        // Fig. 3: bandwidth at W = 0.
        let f3 = try summary("fig3")
        let ws = f3["W"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        let bws = f3["bandwidth"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        let bwe = f3["bandwidth_stderr"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        if let k = ws.firstIndex(of: 0), k < bws.count {
            rows.append(Self.compare("bandwidth at W = 0 (units of t1)", paper: 8.8, digits: 1, ours: bws[k], error: k < bwe.count ? bwe[k] : 0,
                                     choices: "max - min level of the clean \(plan.size)x\(plan.size) periodic lattice; analytic: max e(k) = 4 t1 + 4 t2 = 6.4 at k = 0, min = -4 t2 = -2.4 at k = (0, pi), so 8.8"))
        }
        var dosTable = "| W | bandwidth | DOS at E_F |\n|---|---|---|\n"
        let dosF = f3["dos_at_fermi"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        for (k, w) in ws.enumerated() {
            dosTable += String(format: "| %@ | %.3f | %@ |\n", JSON.format(w), k < bws.count ? bws[k] : .nan, k < dosF.count ? String(format: "%.4f", dosF[k]) : "-")
        }
        details.append("Fig. 3 (`fig3/`):\n\n" + dosTable)
    }

    /// A numeric comparison row.
    static func compare(_ quantity: String, paper: Double, digits: Int, ours: Double, error: Double, choices: String) -> Row {
        let tolerance = 0.5 * pow(10, -Double(digits))
        let e = error.isFinite ? error : 0
        let diff = abs(ours - paper)
        let agree = ours.isFinite && diff <= 2 * e + tolerance
        let sigmas = e > 0 ? diff / e : .infinity
        let verdict = agree ? "yes" : (e > 0 ? String(format: "no (%.1f sigma)", sigmas) : "no")
        return Row(quantity: quantity, paper: "~ " + String(format: "%.\(digits)f", paper),
                   ours: ours.isFinite ? String(format: "%.3f +- %.3f", ours, e) : "n/a (fit failed)", choices: choices, agree: verdict,
                   json: .object([("quantity", .string(quantity)), ("paper", .number(paper)), ("ours", .number(ours)),
                                  ("error", .number(error)), ("agree", .bool(agree)), ("choices", .string(choices))]))
    }

    var markdown: String {
        var s = """
            # FermiGlass reproduction of Lau & Ng, PRB 110, 075153 (2024)

            Run: \(plan.name); \(plan.size)x\(plan.size) periodic, t1 = +1, t2 = +0.6, W = 9, filling 5/6; \
            seed \(seed); \(threads) BLAS thread(s); \(String(format: "%.0f", seconds)) s wall time; \
            fermiglass \(Provenance.version), commit \(Provenance.gitCommit); \(BLASRuntime.coreName) OpenBLAS kernel. \
            The W = 9 realizations were diagonalized once and reused (\(cacheHits) requests served from the cache).

            \(plan.size == 60 ? "" : "This run is smaller than the paper's 60x60: L_loc and everything measured in its units depend on the lattice size, so disagreement with the paper's numbers is expected here; run `fermiglass reproduce` without --quick for the comparison. ")Agreement: |ours - paper| <= 2 sigma + half a unit of the paper's last digit (the paper quotes no errors).

            | quantity | paper | ours | choices | agree |
            |---|---|---|---|---|

            """
        for r in rows {
            s += "| \(r.quantity) | \(r.paper) | \(r.ours) | \(r.choices) | \(r.agree) |\n"
        }
        s += "\nFigures: fig1.png (Fig. 1), fig2.png (Fig. 2, paper Monte Carlo with \(plan.proposals[0]) proposals), fig3.png (Fig. 3).\n\n"
        for d in details { s += d + "\n\n" }
        return s
    }

    var json: JSON {
        .object([("command", .string("reproduce")), ("plan", .string(plan.name)), ("rows", .array(rows.map(\.json))),
                 ("seconds", .number(seconds)), ("threads", .int(threads)), ("seed", .string(String(seed))),
                 ("git_commit", .string(Provenance.gitCommit)), ("fermiglass_version", .string(Provenance.version)),
                 ("libraries", .object(LibraryVersions.all.map { ($0.0, .string($0.1)) }))])
    }
}
