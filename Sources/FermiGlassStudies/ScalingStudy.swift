import FermiGlassIO
import FermiGlassObservables
import Foundation

/// Issue 19's finite-size-scaling analysis of one or more sweeps: the points
/// (``FiniteSizeScaling/points(records:)``) under one set of definitions
/// (``ScalingDefinitions``), the plateau test in L at each (W, U) (``PlateauTest``), the
/// linearity of n_m in U at each (W, size), the small-U law n_m = c N(0) U g for both scales g
/// per size and over all sizes (``SmallULaw``), which g collapses the data, and the per-size
/// 1/beta of Fig. 2(a) against the paper's 1/beta ~ 2.63 U / L_loc^2. `fermiglass scaling`
/// writes its tables.
public struct ScalingStudy {
    public struct PlateauRow: Sendable {
        public var disorderStrength: Double, filling: Double, interaction: Double
        public var sizes: [Double]
        public var result: PlateauTest.Result
    }

    public struct LawRow: Sendable {
        public var scale: SmallULaw.Scale
        /// A size label, or "all".
        public var size: String
        public var disorderStrengths: [Double]
        public var fit: SmallULaw.Fit?
    }

    public struct LinearityRow: Sendable {
        public var disorderStrength: Double, filling: Double, size: String
        /// U of the points used (n_m > 0, U <= smallUMax), ascending.
        public var interactions: [Double]
        /// Points left out because n_m = 0 there.
        public var zeroPoints: Int
        /// p of n_m = A U^p (weighted fit of ln n_m against ln U), with its error.
        public var exponent: Double, exponentError: Double
        /// n_m = s U through the origin: s, its error, and the fit's p-value.
        public var slope: Double, slopeError: Double, linearPValue: Double
    }

    public struct InverseBetaRow: Sendable {
        public var disorderStrength: Double, filling: Double, size: String
        /// U in [0.15, 0.4] with a finite fit (the range `reproduce` compares with the paper).
        public var interactions: [Double]
        public var perUL2: Double, perUL2Error: Double
        public var perUIPR: Double, perUIPRError: Double
    }

    /// The paper's 1/beta ~ 2.63 U / L_loc^2 (Sec. IV, Fig. 2(a)).
    public static let paperInverseBetaPerUL2 = 2.63
    /// The U range of the 1/beta comparison.
    public static let inverseBetaRange: ClosedRange<Double> = 0.15...0.4

    public var definitions: ScalingDefinitions
    public var reference: LocalizationReference?
    public var smallUMax: Double
    public var points: [FiniteSizeScaling.Point]
    public var plateaus: [PlateauRow] = []
    public var laws: [LawRow] = []
    public var linearity: [LinearityRow] = []
    public var inverseBeta: [InverseBetaRow] = []
    /// Which g collapses the data, one line per size with two or more W (and "all").
    public var collapse: [String] = []
    /// Points left out of every fit: a single realization has no standard error.
    public var unfitted: [FiniteSizeScaling.Point] { points.filter { $0.realizations < 2 } }
    /// The points the fits use (two or more realizations).
    var fitted: [FiniteSizeScaling.Point] { points.filter { $0.realizations >= 2 } }

    /// Runs the analysis. `smallUMax`: the largest U of the small-U law and linearity fits.
    public init(inputs: [SweepResults], reference: LocalizationReference?, smallUMax: Double) throws {
        guard smallUMax > 0 else { throw SweepError.invalidConfig("the small-U range must be positive, got \(smallUMax)") }
        definitions = try ScalingDefinitions.check(inputs)
        self.reference = reference
        self.smallUMax = smallUMax
        points = try FiniteSizeScaling.points(records: inputs.flatMap(\.records))
        let ws = Array(Set(points.map(\.disorderStrength))).sorted()
        if let ref = reference {
            try ref.check(model: definitions.model, disorderStrengths: ws)
            for k in points.indices {
                let e = ref.entry(W: points[k].disorderStrength)!
                points[k].referenceInverseArea = e.inverseArea
                points[k].referenceInverseAreaError = e.inverseAreaError
            }
        }
        analysePlateaus()
        analyseLinearity()
        analyseLaws(ws)
        analyseInverseBeta()
    }

    static func label(_ p: FiniteSizeScaling.Point) -> String { p.lx == p.ly ? "\(p.lx)" : "\(p.lx)x\(p.ly)" }

    mutating func analysePlateaus() {
        struct Key: Hashable { var w: Double, f: Double, u: Double }
        var groups = [Key: [FiniteSizeScaling.Point]](), order = [Key]()
        for p in fitted {
            let k = Key(w: p.disorderStrength, f: p.filling, u: p.interaction)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(p)
        }
        for k in order.sorted(by: { ($0.w, $0.f, $0.u) < ($1.w, $1.f, $1.u) }) {
            let g = groups[k]!.sorted { $0.sites < $1.sites }
            let r = PlateauTest.compare(sizes: g.map(\.linearSize), values: g.map(\.momentDensity), errors: g.map(\.fitError))
            plateaus.append(PlateauRow(disorderStrength: k.w, filling: k.f, interaction: k.u, sizes: g.map(\.linearSize), result: r))
        }
    }

    mutating func analyseLinearity() {
        struct Key: Hashable { var w: Double, f: Double, lx: Int, ly: Int }
        var groups = [Key: [FiniteSizeScaling.Point]](), order = [Key]()
        for p in fitted where p.interaction > 0 && p.interaction <= smallUMax {
            let k = Key(w: p.disorderStrength, f: p.filling, lx: p.lx, ly: p.ly)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(p)
        }
        for k in order.sorted(by: { ($0.w, $0.f, $0.lx * $0.ly) < ($1.w, $1.f, $1.lx * $1.ly) }) {
            let g = groups[k]!.sorted { $0.interaction < $1.interaction }
            let pos = g.filter { $0.momentDensity > 0 }
            var row = LinearityRow(disorderStrength: k.w, filling: k.f, size: Self.label(g[0]), interactions: pos.map(\.interaction),
                                   zeroPoints: g.count - pos.count, exponent: .nan, exponentError: .nan,
                                   slope: .nan, slopeError: .nan, linearPValue: .nan)
            if Set(pos.map(\.interaction)).count >= 2,
               let f = WeightedLinearFit.fit(design: pos.map { [1, log($0.interaction)] }, y: pos.map { log($0.momentDensity) },
                                             sigma: pos.map { $0.fitError / $0.momentDensity }) {
                row.exponent = f.parameters[1]; row.exponentError = f.error(1)
            }
            if let f = WeightedLinearFit.fit(design: g.map { [$0.interaction] }, y: g.map(\.momentDensity), sigma: g.map(\.fitError)) {
                row.slope = f.parameters[0]; row.slopeError = f.error(0); row.linearPValue = f.pValue
            }
            linearity.append(row)
        }
    }

    mutating func analyseLaws(_ ws: [Double]) {
        let small = fitted.filter { $0.interaction > 0 && $0.interaction <= smallUMax }
        var sizes = [String]()
        for p in small.sorted(by: { $0.sites < $1.sites }) where !sizes.contains(Self.label(p)) { sizes.append(Self.label(p)) }
        for scale in SmallULaw.Scale.allCases {
            for size in sizes + ["all"] {
                let sel = small.filter { size == "all" || Self.label($0) == size }
                let lawPoints = sel.map { p -> SmallULaw.Point in
                    let a = p.g(scale) * p.dosStderr, b = p.dos * p.gError(scale)
                    return SmallULaw.Point(y: p.momentDensity, sigmaY: p.fitError, x: p.dos * p.interaction * p.g(scale),
                                           sigmaX: p.interaction * (a * a + b * b).squareRoot())
                }
                laws.append(LawRow(scale: scale, size: size, disorderStrengths: Array(Set(sel.map(\.disorderStrength))).sorted(),
                                   fit: SmallULaw.fit(lawPoints)))
            }
        }
        for size in sizes + ["all"] {
            let rows = laws.filter { $0.size == size }
            guard let a = rows.first(where: { $0.scale == .inverseLocalizationArea }), let b = rows.first(where: { $0.scale == .windowIPR }) else { continue }
            let where_ = size == "all" ? "all sizes" : "size \(size)"
            if b.disorderStrengths.count < 2 {
                collapse.append("\(where_): one W only (\(b.disorderStrengths.map { JSON.format($0) }.joined(separator: ", "))): both g are constants there and cannot be told apart")
                continue
            }
            guard let fa = a.fit, let fb = b.fit, fa.chiSquaredPerDegree.isFinite, fb.chiSquaredPerDegree.isFinite else {
                collapse.append("\(where_): " + (a.fit == nil && reference == nil ? "no L_loc reference given (a dense reference sweep): only g = <IPR> was fitted" : "a fit is missing (no N(0) or g recorded)"))
                continue
            }
            let better = fa.chiSquaredPerDegree < fb.chiSquaredPerDegree ? "1/L_loc^2" : "<IPR>"
            let neither = max(fa.pValue, fb.pValue) < 0.01 ? "; neither collapses the data within their errors (p < 0.01 for both)" : ""
            collapse.append(String(format: "%@: g = %@ collapses better (1/L_loc^2: c = %.3g +- %.2g, chi2/dof %.2f, p %.2g; <IPR>: c = %.3g +- %.2g, chi2/dof %.2f, p %.2g; W = %@)%@",
                                   where_, better, fa.c, fa.cError, fa.chiSquaredPerDegree, fa.pValue, fb.c, fb.cError, fb.chiSquaredPerDegree,
                                   fb.pValue, b.disorderStrengths.map { JSON.format($0) }.joined(separator: ", "), neither))
        }
    }

    mutating func analyseInverseBeta() {
        struct Key: Hashable { var w: Double, f: Double, lx: Int, ly: Int }
        var groups = [Key: [FiniteSizeScaling.Point]](), order = [Key]()
        for p in fitted where Self.inverseBetaRange.contains(p.interaction) && p.inverseBeta.isFinite {
            let k = Key(w: p.disorderStrength, f: p.filling, lx: p.lx, ly: p.ly)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(p)
        }
        for k in order.sorted(by: { ($0.w, $0.f, $0.lx * $0.ly) < ($1.w, $1.f, $1.lx * $1.ly) }) {
            let g = groups[k]!.sorted { $0.interaction < $1.interaction }
            let n = Double(g.count)
            let l2 = g.map(\.inverseBetaPerUL2), ipr = g.map(\.inverseBetaPerUIPR)
            let l2e = g.map { $0.inverseBetaError / ($0.interaction * $0.referenceInverseArea) }
            let iprE = g.map { $0.inverseBetaError / ($0.interaction * $0.windowIPR) }
            inverseBeta.append(InverseBetaRow(disorderStrength: k.w, filling: k.f, size: Self.label(g[0]), interactions: g.map(\.interaction),
                                              perUL2: Statistics.mean(l2), perUL2Error: l2e.map { $0 * $0 }.reduce(0, +).squareRoot() / n,
                                              perUIPR: Statistics.mean(ipr), perUIPRError: iprE.map { $0 * $0 }.reduce(0, +).squareRoot() / n))
        }
    }
}
