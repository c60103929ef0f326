import FermiGlassIO
import FermiGlassObservables

/// The reference localization length per W for the scale g = 1 / L_loc^2 of the small-U law
/// (issue 19): L_loc = < IPR_a^(-1/2) > over **all** states (CONVENTIONS.md §2), measured once
/// per W on one dense lattice (100 x 100 in docs/physics/fss-lloc-reference.json), so that
/// every size of the campaign divides by the same number, whatever path its own units took.
///
/// It is read from a sweep without U whose units all ran the dense path (L_loc over all
/// states): per W, L_loc is the mean over realizations of each realization's L_loc, its error
/// the standard error over realizations; g = 1 / L_loc^2 with error 2 sigma_L / L_loc^3.
public struct LocalizationReference: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var disorderStrength: Double
        public var lx: Int, ly: Int
        public var realizations: Int
        public var length: Double, lengthError: Double
        public var inverseArea: Double { 1 / (length * length) }
        public var inverseAreaError: Double { 2 * lengthError / (length * length * length) }
    }

    public var directory: String
    /// t1, t2, mu, boundary (``SweepResults/model``).
    public var model: String
    /// One entry per W, ascending.
    public var entries: [Entry]

    public func entry(W w: Double) -> Entry? { entries.first { $0.disorderStrength == w } }

    /// Builds the reference from a sweep's results; refuses units whose L_loc is not over all
    /// states and a W measured on more than one lattice size, and requires one size for all W.
    public init(_ results: SweepResults) throws {
        directory = results.directory
        model = results.model
        var byW = [Double: [(lx: Int, ly: Int, lloc: Double)]]()
        var sparseSizes = [String]()
        for r in results.records {
            guard let w = r["columns"]?["W"]?.doubleValue, let lx = r["columns"]?["Lx"]?.intValue, let ly = r["columns"]?["Ly"]?.intValue,
                  let row = r["rows"]?.arrayValue?.first, let l = row["L_loc"]?.doubleValue else {
                throw SweepError.corrupt("\(results.directory): a results record lacks W, Lx, Ly or L_loc")
            }
            if (row["L_loc_states"]?.stringValue ?? "all") != "all" {
                let s = ScalingDefinitions.sizeLabel(r)
                if !sparseSizes.contains(s) { sparseSizes.append(s) }
                continue
            }
            byW[w, default: []].append((lx, ly, l))
        }
        if !sparseSizes.isEmpty {
            throw SweepError.mismatch("the L_loc reference \(results.directory) has units with L_loc over the window states only (size \(sparseSizes.joined(separator: ", ")), sparse path): the reference must be over all states; run it with \"solver\": \"dense\"")
        }
        guard !byW.isEmpty else { throw SweepError.invalidConfig("the L_loc reference \(results.directory) has no finished units") }
        var sizes = [(String, [String])]()
        for w in byW.keys.sorted() {
            let labels = Set(byW[w]!.map { $0.lx == $0.ly ? "\($0.lx)" : "\($0.lx)x\($0.ly)" })
            if labels.count > 1 {
                throw SweepError.mismatch("the L_loc reference \(results.directory) measures W = \(JSON.format(w)) on several sizes (\(labels.sorted().joined(separator: ", "))): L_loc over all states depends on the size; give one size")
            }
            ScalingDefinitions.add(&sizes, labels.first!, "W = \(JSON.format(w))")
        }
        if sizes.count > 1 {
            throw SweepError.mismatch("the L_loc reference \(results.directory) mixes lattice sizes: \(ScalingDefinitions.describe(sizes, noun: "")); L_loc over all states depends on the size: measure every W on one size")
        }
        entries = byW.keys.sorted().map { w in
            let e = byW[w]!
            let l = e.map(\.lloc)
            return Entry(disorderStrength: w, lx: e[0].lx, ly: e[0].ly, realizations: e.count,
                         length: Statistics.mean(l), lengthError: Statistics.standardError(l))
        }
    }

    /// Checks that this reference fits the analysed sweeps: the same model and every W present.
    public func check(model analysed: String, disorderStrengths: [Double]) throws {
        guard model == analysed else {
            throw SweepError.mismatch("the L_loc reference \(directory) is for \(model) but the sweeps are for \(analysed): the reference must use the same model")
        }
        let missing = disorderStrengths.filter { entry(W: $0) == nil }
        guard missing.isEmpty else {
            throw SweepError.mismatch("the L_loc reference \(directory) has no W = \(missing.map { JSON.format($0) }.joined(separator: ", ")) (it has W = \(entries.map { JSON.format($0.disorderStrength) }.joined(separator: ", "))): add those W to it")
        }
    }
}
