/// The small-U law of issue 19: n_m = c N(0) U g, with two candidate scales g.
///
/// * g = 1 / L_loc^2 with L_loc = < IPR^(-1/2) > over all states, measured once per W on a
///   dense reference lattice (``LocalizationReference``): the paper's Fig. 2 reading, which
///   quotes the occupation step's width 1/beta ~ 2.63 U / L_loc^2 (Sec. IV).
/// * g = < IPR > of the window's states (the census's form: a level within U IPR_a / 2 of mu*
///   polarizes, so n_m ~ N(0) U <IPR>).
///
/// N(0) is the window's density of states per site per spin (window levels - 1 over the
/// window's energy span over the sites, per realization, averaged). Both depend on the window
/// (the IPR and N(0) vary with energy), the first g does not.
///
/// c is fitted through the origin, y = c x with y = n_m and x = N(0) U g, by weighted least
/// squares with the effective variance s_i^2 = sigma_y,i^2 + c^2 sigma_x,i^2 (iterated to a
/// fixed point): sigma_x carries the errors of N(0) and g (for g = 1 / L_loc^2 the reference's
/// error, common to every point of one W, is treated as independent: a mild underestimate of
/// c's error when few W are fitted). c = sum x y / s^2 / sum x^2 / s^2, error
/// 1 / sqrt(sum x^2 / s^2), chi^2 = sum (y - c x)^2 / s^2 with n - 1 degrees of freedom.
///
/// Which g "collapses" the data is the one whose fit across several W has the smaller
/// chi^2 / dof: at one W both g are constants and the fits are equally good, which the
/// result says.
public enum SmallULaw {
    /// The candidate scale.
    public enum Scale: String, CaseIterable, Sendable {
        case inverseLocalizationArea = "inv_L_loc_sq"
        case windowIPR = "window_IPR"
    }

    /// One point of the law.
    public struct Point: Sendable, Equatable {
        public var y: Double, sigmaY: Double
        public var x: Double, sigmaX: Double
        public init(y: Double, sigmaY: Double, x: Double, sigmaX: Double) {
            self.y = y; self.sigmaY = sigmaY; self.x = x; self.sigmaX = sigmaX
        }
    }

    public struct Fit: Sendable, Equatable {
        public var c: Double, cError: Double
        public var chiSquared: Double
        public var points: Int
        public var degreesOfFreedom: Int { points - 1 }
        public var chiSquaredPerDegree: Double { points > 1 ? chiSquared / Double(points - 1) : .nan }
        public var pValue: Double { points > 1 ? ChiSquared.survival(chiSquared, degreesOfFreedom: points - 1) : .nan }
    }

    /// Fits c through the points (each with sigmaY > 0, x > 0); nil without points.
    public static func fit(_ points: [Point]) -> Fit? {
        let p = points.filter { $0.x > 0 && $0.x.isFinite && $0.y.isFinite && $0.sigmaY > 0 }
        guard !p.isEmpty else { return nil }
        var c = 0.0
        // Start from the fit without x errors, then iterate the effective variance.
        for _ in 0..<50 {
            var sxy = 0.0, sxx = 0.0
            for q in p {
                let s2 = q.sigmaY * q.sigmaY + c * c * q.sigmaX * q.sigmaX
                sxy += q.x * q.y / s2; sxx += q.x * q.x / s2
            }
            let next = sxy / sxx
            if abs(next - c) <= 1e-14 * abs(next) { c = next; break }
            c = next
        }
        var sxx = 0.0, chi2 = 0.0
        for q in p {
            let s2 = q.sigmaY * q.sigmaY + c * c * q.sigmaX * q.sigmaX
            sxx += q.x * q.x / s2
            chi2 += (q.y - c * q.x) * (q.y - c * q.x) / s2
        }
        return Fit(c: c, cError: 1 / sxx.squareRoot(), chiSquared: chi2, points: p.count)
    }
}
