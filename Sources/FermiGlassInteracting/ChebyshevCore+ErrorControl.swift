#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// Error control of ``ChebyshevCore`` (issue 18: the O(V) frozen core of `--solver patches`).
///
/// The probed Chebyshev core density has two errors, measured separately
/// (docs/benchmarks/ground-state-at-scale.md):
///
/// 1. the polynomial: the damped step S differs from theta(E_s - E) on the levels outside the
///    window. With sum_n |phi_n(i)|^2 = 1 per site, the density error is at most
///    max_{E <= lower or E >= upper} |S(E) - theta(E_s - E)| (lower / upper: the energies below
///    and above which every non-window level lies). ``stepErrorBound(h:window:lower:upper:coefficients:)``
///    evaluates it on a dense grid (in the angle theta, E~ = cos theta, 8 points per
///    oscillation period pi / M), so the order M can be chosen for a target
///    (``step(h:window:lower:upper:target:limit:)``, an erfc step).
/// 2. the probing crosstalk: sum_{j != i, same colour} S(H)_ij, which falls with the probe
///    spacing s like the density matrix (exp(-s / xi_F)). It has no cheap bound; it is
///    measured at a few sites by unit probes (``sampledDiagonal(h:lattice:window:coefficients:sites:)``,
///    the exact diagonal of the same polynomial there), so every run reports it.
extension ChebyshevCore {
    /// The scaled-energy map of ``coreDensity``: a = 0.505 (Gershgorin width), b = centre.
    static func scaling(_ h: CSRMatrix) -> (a: Double, b: Double) {
        let g = h.gershgorinInterval
        return (0.505 * (g.upperBound - g.lowerBound), 0.5 * (g.upperBound + g.lowerBound))
    }

    /// The Jackson-damped step coefficients ``coreDensity`` uses for `window` (step at the middle
    /// of the window's first and last energies).
    static func dampedStep(_ h: CSRMatrix, window: some EigenstateStore, moments m: Int) -> [Double] {
        let (a, b) = scaling(h)
        let step = 0.5 * (window.values.first! + window.values.last!)
        let g = jackson(m)
        var c = KernelPolynomial.stepCoefficients(at: (step - b) / a, count: m)
        for k in 1..<m { c[k] *= g[k] }
        return c
    }

    /// The undamped Chebyshev interpolant of order M of the erfc step
    /// S(E) = erfc((E - E_s) / w) / 2, E_s the middle of the window's first and last energies,
    /// w = min(E_s - lower, upper - E_s) / `widthRatio`: smooth on the scale w, so its series
    /// converges like a Gaussian once M >> a / w, unlike the Jackson-damped step whose error
    /// outside the window falls only algebraically in M (docs/benchmarks/ground-state-at-scale.md:
    /// at 200 x 200, W = 9, energy:0.05, M = 4000: 1e-5 against 4e-4). Coefficients by the
    /// discrete cosine sums at the M Chebyshev nodes (O(M^2), once per run).
    public static func erfcStep(h: CSRMatrix, window: some EigenstateStore, lower: Double, upper: Double,
                                moments m: Int, widthRatio: Double) -> [Double] {
        let (a, b) = scaling(h)
        let es = 0.5 * (window.values.first! + window.values.last!)
        let w = max(min(es - lower, upper - es), 1e-12) / widthRatio / a
        let xs = (es - b) / a
        var f = [Double](repeating: 0, count: m), theta = f
        for j in 0..<m {
            theta[j] = Double.pi * (Double(j) + 0.5) / Double(m)
            f[j] = 0.5 * erfc((cos(theta[j]) - xs) / w)
        }
        var c = [Double](repeating: 0, count: m)
        for k in 0..<m {
            var sum = 0.0
            for j in 0..<m { sum += f[j] * cos(Double(k) * theta[j]) }
            c[k] = (k == 0 ? 1 : 2) * sum / Double(m)
        }
        return c
    }

    /// max |S(E) - theta(E_s - E)| over E <= lower and E >= upper inside the spectral interval
    /// for the series `coefficients` (step at the middle of the window): the bound of the
    /// polynomial part of the core-density error (dimensionless, per spin). Evaluated on 4M
    /// points equally spaced in the angle (E~ = cos theta) plus the two edges.
    public static func stepErrorBound(h: CSRMatrix, window: some EigenstateStore, lower: Double, upper: Double,
                                      coefficients c: [Double]) -> Double {
        let (a, b) = scaling(h)
        let xs = (0.5 * (window.values.first! + window.values.last!) - b) / a
        let xl = (lower - b) / a, xu = (upper - b) / a
        let points = 4 * c.count
        var worst = 0.0
        for p in 0...points {
            let x = cos(Double.pi * Double(p) / Double(points))
            guard x <= xl || x >= xu else { continue }
            worst = max(worst, abs(series(c, at: x) - (x < xs ? 1 : 0)))
        }
        for x in [xl, xu] where abs(x) <= 1 { worst = max(worst, abs(series(c, at: x) - (x < xs ? 1 : 0))) }
        return worst
    }

    /// The bound for the Jackson-damped step of order m (what ``coreDensity(h:lattice:window:moments:probeSpacing:progress:)`` uses).
    public static func stepErrorBound(h: CSRMatrix, window: some EigenstateStore, lower: Double, upper: Double,
                                      moments m: Int) -> Double {
        stepErrorBound(h: h, window: window, lower: lower, upper: upper, coefficients: dampedStep(h, window: window, moments: m))
    }

    /// The cheapest erfc step meeting `target`: orders on the ladder 500, 1000, 1500, 2000, 3000,
    /// 4000, 5000, 6000, 8000, ... up to `limit`, each with the width ratios 2.5 ... 5 (the
    /// smallest bound wins); returns the coefficients, the order and the bound (the last order's
    /// best when none meets the target).
    public static func step(h: CSRMatrix, window: some EigenstateStore, lower: Double, upper: Double,
                            target: Double, limit: Int = 16_000) -> (coefficients: [Double], moments: Int, bound: Double) {
        var best: ([Double], Int, Double) = ([], 0, .infinity)
        var m = 500
        while m <= limit {
            best = ([], m, .infinity)
            for r in [2.5, 3, 3.5, 4, 4.5, 5] {
                let c = erfcStep(h: h, window: window, lower: lower, upper: upper, moments: m, widthRatio: r)
                let e = stepErrorBound(h: h, window: window, lower: lower, upper: upper, coefficients: c)
                if e < best.2 { best = (c, m, e) }
            }
            if best.2 <= target { return best }
            m = m < 2000 ? m + 500 : m < 6000 ? m + 1000 : m + 2000
        }
        return best
    }

    /// n_core at `sites` from unit probes with the same series `coefficients` as the run (no
    /// colour crosstalk): the reference that measures the probing error of a run. Costs
    /// sites.count x M products with H.
    public static func sampledDiagonal(h: CSRMatrix, lattice: Lattice, window: some EigenstateStore, coefficients c: [Double],
                                       sites: [Int]) throws -> [Double] {
        guard !sites.isEmpty else { return [] }
        let n = h.rowCount
        let (a, b) = scaling(h)
        let kpm = KernelPolynomial(h, bounds: SpectralBounds(center: b, halfWidth: a))
        var v = [Double](repeating: 0, count: n * sites.count)
        for (j, i) in sites.enumerated() { v[j * n + i] = 1 }
        let acc = try kpm.applySeries(c, to: v, columns: sites.count)
        var out = sites.enumerated().map { acc[$0.offset * n + $0.element] }
        var column = [Int: Int]()
        for (j, i) in sites.enumerated() { column[i] = j }
        for w in 0..<window.count {
            let sw = series(c, at: (window.values[w] - b) / a)
            window.forEachComponent(of: w) { i, x in if let j = column[i] { out[j] -= sw * x * x } }
        }
        return out
    }

    /// `count` sample sites spread over the lattice (a k x k grid of cells, k = ceil(sqrt count),
    /// the cell centres), deterministic.
    public static func sampleSites(_ lattice: Lattice, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var k = 1
        while k * k < count { k += 1 }
        var out = [Int]()
        for q in 0..<count {
            let cx = q % k, cy = q / k
            let x = min(lattice.lx - 1, (2 * cx + 1) * lattice.lx / (2 * k))
            let y = min(lattice.ly - 1, (2 * cy + 1) * lattice.ly / (2 * k))
            out.append(x + lattice.lx * y)
        }
        return out
    }
}
