import Foundation

/// What Lau & Ng, PRB 110, 075153 (2024) quote and compute on (CONVENTIONS.md §3), and the rule
/// by which `fermiglass reproduce` says whether a number of ours agrees with theirs: the one
/// place the paper's numbers live.
///
/// Agreement: |ours - paper| <= 2 sigma_ours + half a unit of the paper's last quoted digit (the
/// paper gives no error bars). Lengths are in lattice constants, energies in units of t1.
public struct PaperReference: Sendable {
    /// A number as the paper quotes it: the value and how many decimals it is given to.
    public struct Quoted: Sendable, Equatable {
        public var value: Double
        public var digits: Int
        public init(_ value: Double, digits: Int) { self.value = value; self.digits = digits }
        /// Half a unit of the last quoted digit.
        public var roundingTolerance: Double { 0.5 * pow(10, -Double(digits)) }
        /// "~ 7.65".
        public var text: String { "~ " + String(format: "%.\(digits)f", value) }
    }

    /// L_loc = <IPR^-1/2> over all states of the 60 x 60, W = 9 lattice.
    public var localizationLengthAllStates = Quoted(7.65, digits: 2)
    /// L_loc over the Fig. 1 states (levels 1600..1999; the authors' script).
    public var localizationLengthFig1States = Quoted(6.03, digits: 2)
    /// The decay length of <chi>(d) in units of L_loc (Fig. 1).
    public var decayLengthOverL = Quoted(1.12, digits: 2)
    /// 1/beta of the Fermi-function fit of the occupations, in units of U / L_loc^2 (Fig. 2a).
    public var inverseBetaPerL2 = Quoted(2.63, digits: 2)
    /// The clean (W = 0) bandwidth, 4 t1 + 4 t2 - (-4 t2) = 8.8 at t2 = 0.6 (Fig. 3).
    public var bandwidthW0 = Quoted(8.8, digits: 1)
    /// The polarized count against U: linear at small U, faster above (Fig. 2b).
    public var polarizedTrend = "linear at small U, faster above"

    // The paper's computation.
    /// Side of the periodic lattice.
    public var size = 60
    /// Realizations of L_loc and Fig. 2.
    public var realizations = 15
    /// Levels of the Fig. 1 states, out of `size * size`.
    public var fig1Levels = 1600..<2000
    /// Window half-width of Fig. 2, in levels, out of `size * size`.
    public var windowLevels = 100
    /// The U values of Fig. 2.
    public var interactions = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4]
    /// The U over which 1/beta is averaged (where the fit is linear in U).
    public var inverseBetaRange: ClosedRange<Double> = 0.15...0.4
    /// The U up to which the polarized count is fitted by a line through the origin.
    public var linearPolarizedUpTo = 0.4
    /// Distance bins of Fig. 1 (bin half-width 0.6).
    public var distanceBins: [Double] = [7, 12, 17, 22, 27]
    /// Disorder strengths of Fig. 3.
    public var fig3DisorderStrengths: [Double] = [0, 3, 6, 9, 12]

    public init() {}

    /// Lau & Ng (2024).
    public static let lauNg2024 = PaperReference()

    /// The agreement rule: |ours - paper| <= 2 sigma + half a unit of the last quoted digit (a
    /// non-finite error counts as 0; a non-finite value of ours never agrees).
    public func agrees(_ ours: Double, error: Double, with quoted: Quoted) -> Bool {
        let e = error.isFinite ? error : 0
        return ours.isFinite && abs(ours - quoted.value) <= 2 * e + quoted.roundingTolerance
    }

    /// The polarized count grows faster than linearly when its value at the largest U exceeds the
    /// small-U line's extrapolation by more than two standard errors.
    public func fasterThanLinear(excess: Double, error: Double) -> Bool { excess > 2 * error }
}
