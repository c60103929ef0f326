#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The plateau test of issue 19: does the moment density n_m(L) at fixed (W, U) approach a
/// constant as the linear size L grows, and how?
///
/// Four forms are fitted to n_m against L = sqrt(Lx Ly) by weighted least squares (errors =
/// the standard errors over realizations):
///
/// * constant:    n(L) = n_inf                      (the plateau is already reached)
/// * inverse L:   n(L) = n_inf + a / L              (boundary-like corrections)
/// * inverse L^2: n(L) = n_inf + a / L^2            (corrections ~ 1 / volume in d = 2, e.g.
///                                                    a discrete-level or window-edge effect)
/// * exponential: n(L) = n_inf + a exp(-L / xi)     (expected once L >> L_loc: a localized
///                                                    state only feels the boundary through its
///                                                    exponential tail)
///
/// The data's verdict is the form with the smallest Akaike information criterion
/// AIC = chi^2 + 2 k (k parameters; with known errors this is -2 ln(likelihood) + 2 k up to a
/// constant), among the forms with at least one degree of freedom (points > k). The Akaike
/// weights exp(-Delta_AIC / 2) / sum say how strongly; forms within Delta_AIC < 2 of the best
/// are "not distinguished". The small-sample AICc = AIC + 2 k (k + 1) / (n - k - 1) is reported
/// where n > k + 1. The exponential's xi is found by a profile search (linear least squares for
/// (n_inf, a) at each xi on a logarithmic grid from L_min / 50 to 50 L_max, refined by golden
/// section); its errors come from the Jacobian at the optimum.
public enum PlateauTest {
    public enum Form: String, CaseIterable, Sendable {
        case constant
        case inverseL = "inverse_L"
        case inverseL2 = "inverse_L2"
        case exponential

        /// Number of parameters.
        public var parameterCount: Int {
            switch self {
            case .constant: return 1
            case .inverseL, .inverseL2: return 2
            case .exponential: return 3
            }
        }

        /// The formula, for tables.
        public var formula: String {
            switch self {
            case .constant: return "n_inf"
            case .inverseL: return "n_inf + a/L"
            case .inverseL2: return "n_inf + a/L^2"
            case .exponential: return "n_inf + a exp(-L/xi)"
            }
        }
    }

    /// One fitted form.
    public struct Fit: Sendable, Equatable {
        public var form: Form
        public var plateau: Double, plateauError: Double
        /// a (NaN for the constant form).
        public var amplitude: Double, amplitudeError: Double
        /// xi (exponential only, else NaN).
        public var decayLength: Double, decayLengthError: Double
        public var chiSquared: Double
        public var points: Int
        public var degreesOfFreedom: Int { points - form.parameterCount }
        public var chiSquaredPerDegree: Double { degreesOfFreedom > 0 ? chiSquared / Double(degreesOfFreedom) : .nan }
        public var pValue: Double { degreesOfFreedom > 0 ? ChiSquared.survival(chiSquared, degreesOfFreedom: degreesOfFreedom) : .nan }
        public var aic: Double { chiSquared + 2 * Double(form.parameterCount) }
        public var aicc: Double {
            let k = Double(form.parameterCount), n = Double(points)
            return n - k - 1 > 0 ? aic + 2 * k * (k + 1) / (n - k - 1) : .nan
        }
        /// Akaike weight among the compared forms (NaN when the form was not compared).
        public var akaikeWeight: Double = .nan
        /// True when xi ended at the edge of its search range (the exponential then degenerates
        /// into a constant or a straight line and its parameters mean little).
        public var atSearchEdge: Bool = false

        /// n(L) of this fit.
        public func predict(_ l: Double) -> Double {
            switch form {
            case .constant: return plateau
            case .inverseL: return plateau + amplitude / l
            case .inverseL2: return plateau + amplitude / (l * l)
            case .exponential: return plateau + amplitude * exp(-l / decayLength)
            }
        }
    }

    /// The comparison at one (W, U).
    public struct Result: Sendable, Equatable {
        /// Every form that could be fitted (points >= parameters), in ``Form/allCases`` order.
        public var fits: [Fit]
        /// The smallest-AIC form among those with a degree of freedom (nil: fewer than 2 sizes).
        public var selected: Form?
        /// Forms within Delta_AIC < 2 of the selected one (itself excluded).
        public var notDistinguished: [Form]
        /// One line for tables: which form the data support and how strongly.
        public var verdict: String
    }

    /// Fits every form to (L, n, sigma) and compares them.
    public static func compare(sizes l: [Double], values y: [Double], errors sigma: [Double]) -> Result {
        precondition(l.count == y.count && y.count == sigma.count)
        var fits = Form.allCases.compactMap { fit($0, sizes: l, values: y, errors: sigma) }
        let compared = fits.indices.filter { fits[$0].degreesOfFreedom >= 1 }
        guard let best = compared.min(by: { fits[$0].aic < fits[$1].aic }) else {
            return Result(fits: fits, selected: nil, notDistinguished: [],
                          verdict: "not tested: \(Set(l).count) size\(Set(l).count == 1 ? "" : "s") (a comparison needs at least 2 for the constant, 3 for 1/L and 1/L^2, 4 for the exponential)")
        }
        let minAIC = fits[best].aic
        let total = compared.reduce(0.0) { $0 + exp(-(fits[$1].aic - minAIC) / 2) }
        for j in compared { fits[j].akaikeWeight = exp(-(fits[j].aic - minAIC) / 2) / total }
        let close = compared.filter { $0 != best && fits[$0].aic - minAIC < 2 }.map { fits[$0].form }
        let f = fits[best]
        var verdict = "\(f.form.rawValue) (Akaike weight \(String(format: "%.2f", f.akaikeWeight)), chi2/dof \(String(format: "%.2f", f.chiSquaredPerDegree)), p \(String(format: "%.2g", f.pValue)))"
        if !close.isEmpty { verdict += "; not distinguished from \(close.map(\.rawValue).joined(separator: ", ")) (Delta AIC < 2)" }
        let untested = fits.filter { $0.degreesOfFreedom < 1 }.map(\.form.rawValue)
        if !untested.isEmpty { verdict += "; not compared (no degree of freedom): \(untested.joined(separator: ", "))" }
        return Result(fits: fits, selected: f.form, notDistinguished: close, verdict: verdict)
    }

    /// Fits one form; nil with fewer distinct sizes than parameters or a singular system.
    public static func fit(_ form: Form, sizes l: [Double], values y: [Double], errors sigma: [Double]) -> Fit? {
        guard Set(l).count >= form.parameterCount, l.allSatisfy({ $0 > 0 }) else { return nil }
        switch form {
        case .constant, .inverseL, .inverseL2:
            let design: [[Double]] = l.map { x in
                form == .constant ? [1] : [1, form == .inverseL ? 1 / x : 1 / (x * x)]
            }
            guard let w = WeightedLinearFit.fit(design: design, y: y, sigma: sigma) else { return nil }
            let hasA = form != .constant
            return Fit(form: form, plateau: w.parameters[0], plateauError: w.error(0),
                       amplitude: hasA ? w.parameters[1] : .nan, amplitudeError: hasA ? w.error(1) : .nan,
                       decayLength: .nan, decayLengthError: .nan, chiSquared: w.chiSquared, points: l.count)
        case .exponential:
            return exponential(sizes: l, values: y, errors: sigma)
        }
    }

    static func exponential(sizes l: [Double], values y: [Double], errors sigma: [Double]) -> Fit? {
        let lo = log(l.min()! / 50), hi = log(l.max()! * 50)
        func profile(_ lnXi: Double) -> WeightedLinearFit? {
            let xi = exp(lnXi)
            return WeightedLinearFit.fit(design: l.map { [1, exp(-$0 / xi)] }, y: y, sigma: sigma)
        }
        func chi2(_ lnXi: Double) -> Double { profile(lnXi)?.chiSquared ?? .infinity }
        let grid = 400
        var bestK = 0, bestChi = Double.infinity
        for k in 0...grid {
            let c = chi2(lo + (hi - lo) * Double(k) / Double(grid))
            if c < bestChi { bestChi = c; bestK = k }
        }
        guard bestChi.isFinite else { return nil }
        // Golden section between the grid neighbours.
        let step = (hi - lo) / Double(grid)
        var a = lo + step * Double(max(bestK - 1, 0)), b = lo + step * Double(min(bestK + 1, grid))
        let g = (5.0.squareRoot() - 1) / 2
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = chi2(c), fd = chi2(d)
        for _ in 0..<100 where b - a > 1e-12 {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = chi2(c) } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = chi2(d) }
        }
        var lnXi = 0.5 * (a + b)
        if chi2(lo + step * Double(bestK)) < chi2(lnXi) { lnXi = lo + step * Double(bestK) }
        guard let lin = profile(lnXi) else { return nil }
        let xi = exp(lnXi), n0 = lin.parameters[0], amp = lin.parameters[1]
        // Covariance from the Jacobian of (n_inf, a, xi) at the optimum.
        var jtj = [Double](repeating: 0, count: 9)
        for i in l.indices {
            let e = exp(-l[i] / xi)
            let row = [1, e, amp * e * l[i] / (xi * xi)]
            let w = 1 / (sigma[i] * sigma[i])
            for p in 0..<3 { for q in 0..<3 { jtj[p * 3 + q] += w * row[p] * row[q] } }
        }
        let cov = WeightedLinearFit.invert(jtj, 3)
        let err = { (j: Int) -> Double in cov.map { $0[j * 3 + j].squareRoot() } ?? .nan }
        var fit = Fit(form: .exponential, plateau: n0, plateauError: err(0), amplitude: amp, amplitudeError: err(1),
                      decayLength: xi, decayLengthError: err(2), chiSquared: lin.chiSquared, points: l.count)
        fit.atSearchEdge = lnXi - lo < 2 * step || hi - lnXi < 2 * step
        return fit
    }
}
