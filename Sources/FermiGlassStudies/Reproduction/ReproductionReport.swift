import FermiGlassIO
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// The numbers `reproduce` compares with the paper, as the studies computed them.
public struct ReproductionMeasurements: Sendable {
    /// A value with its error bar (standard error, or bootstrap error of a fit; NaN: none).
    public struct Estimate: Sendable {
        public var value: Double
        public var error: Double
        public init(_ value: Double, _ error: Double) { self.value = value; self.error = error }
    }
    /// One Fig. 2 run: its label, its sub-directory, and its realization average per U.
    public struct Fig2: Sendable {
        public var label: String
        public var directory: String
        public var perU: [GroundStateStudy.Aggregate]
        public init(label: String, directory: String, perU: [GroundStateStudy.Aggregate]) {
            self.label = label; self.directory = directory; self.perU = perU
        }
    }
    /// One disorder strength of Fig. 3.
    public struct Fig3: Sendable {
        public var W: Double
        public var bandwidth: Estimate
        public var dosAtFermi: Double?
        public init(W: Double, bandwidth: Estimate, dosAtFermi: Double?) { self.W = W; self.bandwidth = bandwidth; self.dosAtFermi = dosAtFermi }
    }

    public var localizationAll: Estimate
    public var localizationFig1: Estimate
    public var typicalFig1: Estimate
    /// Fig. 1: the decay length of <chi>(d) (lattice constants), over L_loc of all states and of
    /// the Fig. 1 states, the bin centres; and the same over the two shortest bins.
    public var decayLength: Estimate
    public var decayOverLAll: Estimate
    public var decayOverLFig1: Estimate
    public var bins: [Double]
    public var shortDecayOverLFig1: Estimate
    public var shortBins: [Double]
    public var fig2: [Fig2]
    public var fig3: [Fig3]

    public init(localizationAll: Estimate, localizationFig1: Estimate, typicalFig1: Estimate, decayLength: Estimate,
                decayOverLAll: Estimate, decayOverLFig1: Estimate, bins: [Double], shortDecayOverLFig1: Estimate,
                shortBins: [Double], fig2: [Fig2], fig3: [Fig3]) {
        self.localizationAll = localizationAll; self.localizationFig1 = localizationFig1; self.typicalFig1 = typicalFig1
        self.decayLength = decayLength; self.decayOverLAll = decayOverLAll; self.decayOverLFig1 = decayOverLFig1
        self.bins = bins; self.shortDecayOverLFig1 = shortDecayOverLFig1; self.shortBins = shortBins
        self.fig2 = fig2; self.fig3 = fig3
    }
}

/// REPORT.md of `fermiglass reproduce`: every number Lau & Ng quote beside ours, with its error
/// bar, the choices behind it, and whether they agree (``PaperReference/agrees(_:error:with:)``).
/// Fitted numbers carry bootstrap errors over realizations, averages standard errors (sd / sqrt(R)).
public struct ReproductionReport: Sendable {
    public struct Row: Sendable {
        public var quantity: String
        public var paper: String
        public var ours: String
        public var choices: String
        public var agree: String
        public var json: JSON
    }

    public var rows: [Row] = []
    public var details: [String] = []
    public let plan: ReproductionPlan
    public let seconds: Double
    public let threads: Int
    public let seed: UInt64
    public let cacheHits: Int

    public init(_ m: ReproductionMeasurements, plan: ReproductionPlan, cacheHits: Int, seconds: Double, threads: Int, seed: UInt64) {
        self.plan = plan
        self.seconds = seconds
        self.threads = threads
        self.seed = seed
        self.cacheHits = cacheHits
        let ref = plan.reference
        let fig1 = "levels \(plan.fig1States.lowerBound)..<\(plan.fig1States.upperBound)"
        rows.append(compare("L_loc = <IPR^-1/2>, all states", ref.localizationLengthAllStates, m.localizationAll,
                            choices: "all \(plan.sites) states of \(plan.realizations) realizations; stderr over realizations"))
        rows.append(compare("L_loc over the Fig. 1 states", ref.localizationLengthFig1States, m.localizationFig1,
                            choices: "\(fig1), \(plan.fig1Realizations) realizations (the authors' script: 6.03)"))
        rows.append(compare("typical L_loc = exp<ln IPR>^-1/2 over the Fig. 1 states", ref.localizationLengthFig1States, m.typicalFig1,
                            choices: "the same states; the typical instead of the mean value (which of the two the authors' script computed is not stated)"))

        // Fig. 1 decay length.
        let bins = m.bins.map { JSON.format($0) }.joined(separator: ", ")
        let fitChoice = "pairs among \(fig1) of \(plan.fig1Realizations) realizations, minimum-image distance, bins {\(bins)} +- 0.6, straight line through ln<chi>; bootstrap over realizations"
        rows.append(compare("decay length of <chi>(d) / L, L over the Fig. 1 states", ref.decayLengthOverL, m.decayOverLFig1,
                            choices: "the authors' choice of L; " + fitChoice))
        rows.append(compare("decay length of <chi>(d) / L, L over all states", ref.decayLengthOverL, m.decayOverLAll,
                            choices: "CONVENTIONS.md's L (all states); " + fitChoice))
        let shortBins = m.shortBins.map { JSON.format($0) }.joined(separator: ", ")
        rows.append(compare("decay length / L, L over the Fig. 1 states, two shortest bins", ref.decayLengthOverL, m.shortDecayOverLFig1,
                            choices: "as above but the line through bins {\(shortBins)} only: ln<chi>(d) bends towards the 1/N floor at larger d, so the fitted slope depends on the bins"))
        details.append(String(format: "Decay length itself: %.3f +- %.3f lattice constants (the paper's %.2f x %.2f = %.2f).",
                              m.decayLength.value, m.decayLength.error, ref.decayLengthOverL.value, ref.localizationLengthFig1States.value,
                              ref.decayLengthOverL.value * ref.localizationLengthFig1States.value))

        // Fig. 2: 1/beta and polarized counts, under each algorithm and budget.
        let smallU = plan.us.filter { ref.inverseBetaRange.contains($0) }
        for f in m.fig2 {
            let small = f.perU.filter { a in smallU.contains { abs($0 - a.U) < 1e-12 } && a.inverseBetaPerL2.isFinite }
            let mean = Statistics.mean(small.map(\.inverseBetaPerL2))
            let err = (small.map { $0.inverseBetaPerL2Error * $0.inverseBetaPerL2Error }.reduce(0, +)).squareRoot() / Double(max(small.count, 1))
            rows.append(compare("1/beta of the occupation fit, in U / L_loc^2", ref.inverseBetaPerL2, .init(mean, err),
                                choices: "\(f.label); mean over U in {\(smallU.map { JSON.format($0) }.joined(separator: ", "))}; L_loc over all states; window levels:\(plan.window); bootstrap over \(plan.realizations) realizations"))
            rows.append(polarizedRow(f, reference: ref))
            var table = "| U | U N(0) | polarized | 1/beta in U/L_loc^2 |\n|---|---|---|---|\n"
            for p in f.perU {
                table += String(format: "| %@ | %.4f | %.2f +- %.2f | %.2f +- %.2f |\n", JSON.format(p.U), p.uN0, p.polarizedMean,
                                p.polarizedStderr, p.inverseBetaPerL2, p.inverseBetaPerL2Error)
            }
            details.append("Fig. 2, \(f.label) (`\(f.directory)/`):\n\n" + table)
        }

        // Fig. 3: bandwidth at W = 0.
        if let clean = m.fig3.first(where: { $0.W == 0 }) {
            rows.append(compare("bandwidth at W = 0 (units of t1)", ref.bandwidthW0, clean.bandwidth,
                                choices: "max - min level of the clean \(plan.size)x\(plan.size) periodic lattice; analytic: max e(k) = 4 t1 + 4 t2 = 6.4 at k = 0, min = -4 t2 = -2.4 at k = (0, pi), so 8.8"))
        }
        var dosTable = "| W | bandwidth | DOS at E_F |\n|---|---|---|\n"
        for w in m.fig3 {
            dosTable += String(format: "| %@ | %.3f | %@ |\n", JSON.format(w.W), w.bandwidth.value, w.dosAtFermi.map { String(format: "%.4f", $0) } ?? "-")
        }
        details.append("Fig. 3 (`fig3/`):\n\n" + dosTable)
    }

    /// Linear at small U, faster above: the slope through the origin for U up to
    /// `linearPolarizedUpTo`, then the excess of the largest U over the linear extrapolation.
    func polarizedRow(_ f: ReproductionMeasurements.Fig2, reference ref: PaperReference) -> Row {
        let lin = f.perU.filter { $0.U <= ref.linearPolarizedUpTo }
        let slope = lin.map { $0.U * $0.polarizedMean }.reduce(0, +) / lin.map { $0.U * $0.U }.reduce(0, +)
        let top = f.perU.max { $0.U < $1.U }!
        let faster = ref.fasterThanLinear(excess: top.polarizedMean - slope * top.U, error: top.polarizedStderr)
        return Row(quantity: "polarized states against U", paper: ref.polarizedTrend,
                   ours: String(format: "%.2f per unit U up to U = %@; at U = %@: %.1f +- %.1f vs %.1f linear", slope,
                                JSON.format(ref.linearPolarizedUpTo), JSON.format(top.U), top.polarizedMean, top.polarizedStderr, slope * top.U),
                   choices: f.label, agree: faster ? "yes" : "no",
                   json: .object([("quantity", .string("polarized_vs_U")), ("algorithm", .string(f.label)), ("slope_small_U", .number(slope)),
                                  ("largest_U", .number(top.U)), ("polarized_at_largest_U", .number(top.polarizedMean)),
                                  ("linear_extrapolation", .number(slope * top.U)), ("agree", .bool(faster))]))
    }

    /// A numeric comparison row.
    func compare(_ quantity: String, _ quoted: PaperReference.Quoted, _ ours: ReproductionMeasurements.Estimate, choices: String) -> Row {
        let e = ours.error.isFinite ? ours.error : 0
        let agree = plan.reference.agrees(ours.value, error: ours.error, with: quoted)
        let sigmas = e > 0 ? abs(ours.value - quoted.value) / e : .infinity
        let verdict = agree ? "yes" : (e > 0 ? String(format: "no (%.1f sigma)", sigmas) : "no")
        return Row(quantity: quantity, paper: quoted.text,
                   ours: ours.value.isFinite ? String(format: "%.3f +- %.3f", ours.value, e) : "n/a (fit failed)", choices: choices, agree: verdict,
                   json: .object([("quantity", .string(quantity)), ("paper", .number(quoted.value)), ("ours", .number(ours.value)),
                                  ("error", .number(ours.error)), ("agree", .bool(agree)), ("choices", .string(choices))]))
    }

    public var markdown: String {
        var s = """
            # FermiGlass reproduction of Lau & Ng, PRB 110, 075153 (2024)

            Run: \(plan.name); \(plan.size)x\(plan.size) periodic, t1 = +1, t2 = +0.6, W = 9, filling 5/6; \
            seed \(seed); \(threads) BLAS thread(s); \(String(format: "%.0f", seconds)) s wall time; \
            fermiglass \(Provenance.version), commit \(Provenance.gitCommit); \(BLASRuntime.coreName) OpenBLAS kernel. \
            The W = 9 realizations were diagonalized once and reused (\(cacheHits) requests served from the cache).

            \(plan.size == plan.reference.size ? "" : "This run is smaller than the paper's 60x60: L_loc and everything measured in its units depend on the lattice size, so disagreement with the paper's numbers is expected here; run the full reproduction (not the quick plan) for the comparison. ")Agreement: |ours - paper| <= 2 sigma + half a unit of the paper's last digit (the paper quotes no errors).

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

    public var json: JSON {
        .object([("command", .string("reproduce")), ("plan", .string(plan.name)), ("rows", .array(rows.map(\.json))),
                 ("seconds", .number(seconds)), ("threads", .int(threads)), ("seed", .string(String(seed))),
                 ("git_commit", .string(Provenance.gitCommit)), ("fermiglass_version", .string(Provenance.version)),
                 ("libraries", .object(LibraryVersions.all.map { ($0.0, .string($0.1)) }))])
    }
}
