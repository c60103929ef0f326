#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// The frozen core's per-spin density n_core(i) = sum_{c below the window} |phi_c(i)|^2 without
/// the full spectrum (the sparse path), by a kernel-polynomial expansion.
///
/// With H scaled into [-1, 1] (H~ = (H - b) / a, a and b from Gershgorin bounds), the step
/// theta(x0 - x) has the Chebyshev coefficients c_0 = 1 - t0/pi, c_n = -2 sin(n t0) / (n pi)
/// (t0 = arccos x0); damped by the Jackson kernel g_n of order M, the series
/// S(H) = sum_n g_n c_n T_n(H~) is a smooth step of width ~ pi a / M around x0. x0 is placed at
/// the middle of the window, so
///
///     n_core(i) = S(H)_ii - sum_{a in window} S(xi_a) |phi_a(i)|^2
///
/// up to the error of S on the levels outside the window (1 - S below, S above), which falls
/// like a Gaussian tail of (distance to the window edge) / (pi a / M): the window states' own
/// share is subtracted exactly with the same polynomial, whatever S does inside the window.
/// The diagonal S(H)_ii is read off probe vectors: sites coloured by (x mod s, y mod s), one
/// probe per colour (the sum of its unit vectors), s = `probeSpacing` (nil: one probe per site,
/// exact). Probing adds the error sum_{j != i, same colour} S(H)_ij, small when s is several
/// localization lengths. Only CSR mat-vecs (M per probe) and the window eigenvectors are used.
///
/// The same pass gives the core band energy 2 sum_{c below} xi_c = 2 [tr(H S(H)) -
/// sum_window S(xi_a) xi_a].
public enum ChebyshevCore {
    public struct Result: Sendable {
        public var density: [Double]
        public var bandEnergy: Double
        public var moments: Int
        public var probes: Int
        /// Scaled step position and the spectral bounds used.
        public var stepEnergy: Double
        public var spectralBounds: ClosedRange<Double>
    }

    /// Jackson kernel g_n for an expansion of order `m` (n = 0..<m): ``KPMKernel/jackson``.
    public static func jackson(_ m: Int) -> [Double] { KPMKernel.jackson.coefficients(m) }

    /// The damped series S(x~) at a scaled energy x~ in [-1, 1].
    static func series(_ coefficients: [Double], at x: Double) -> Double {
        var tPrev = 1.0, tCur = x
        var s = coefficients[0] + (coefficients.count > 1 ? coefficients[1] * x : 0)
        var k = 2
        while k < coefficients.count {
            let tNext = 2 * x * tCur - tPrev
            s += coefficients[k] * tNext
            tPrev = tCur; tCur = tNext
            k += 1
        }
        return s
    }

    /// n_core for the lattice Hamiltonian `h`; `window` holds the window eigenpairs (with
    /// vectors), which must be the levels just above the core. `progress` is called after each
    /// probe vector with (probes done, probes in all): each costs `moments` products with H
    /// (probes run 8 to a block, so the calls come 8 at a time).
    public static func coreDensity(h: CSRMatrix, lattice: Lattice, window: some EigenstateStore, moments m: Int,
                                   probeSpacing: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        guard m >= 2 else { throw ModelError.invalidParameter("the Chebyshev expansion needs at least 2 moments, got \(m)") }
        guard window.count > 0 else { throw ModelError.invalidParameter("the Chebyshev core density needs the window eigenvectors of this lattice") }
        return try coreDensity(h: h, lattice: lattice, window: window, coefficients: dampedStep(h, window: window, moments: m),
                               probeSpacing: probeSpacing, progress: progress)
    }

    /// The same with the step's Chebyshev coefficients given (scaled as ``scaling(_:)``; for
    /// example the undamped erfc step of ``erfcStep(h:window:lower:upper:moments:widthRatio:)``).
    public static func coreDensity(h: CSRMatrix, lattice: Lattice, window: some EigenstateStore, coefficients: [Double],
                                   probeSpacing: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> Result {
        let m = coefficients.count
        let n = h.rowCount
        guard (window as? Eigenpairs)?.hasVectors ?? true, window.count > 0, window.dimension == n, n == lattice.siteCount else {
            throw ModelError.invalidParameter("the Chebyshev core density needs the window eigenvectors of this lattice")
        }
        guard m >= 2 else { throw ModelError.invalidParameter("the Chebyshev expansion needs at least 2 moments, got \(m)") }
        let s = probeSpacing ?? max(lattice.lx, lattice.ly)
        if s < max(lattice.lx, lattice.ly) {
            if lattice.boundaryX == .periodic && lattice.lx % s != 0 || lattice.boundaryY == .periodic && lattice.ly % s != 0 {
                throw ModelError.invalidParameter("probe spacing \(s) must divide the periodic lattice sides \(lattice.lx) x \(lattice.ly)")
            }
        }
        // Gershgorin bounds, widened by 1% so the spectrum sits strictly inside [-1, 1].
        let gershgorin = h.gershgorinInterval
        let lo = gershgorin.lowerBound, hi = gershgorin.upperBound
        let a = 0.505 * (hi - lo), b = 0.5 * (hi + lo)
        let step = 0.5 * (window.values.first! + window.values.last!)
        let kpm = KernelPolynomial(h, bounds: SpectralBounds(center: b, halfWidth: a))
        // Probe colours.
        let side = min(s, max(lattice.lx, lattice.ly))
        var colourOf = [Int](repeating: 0, count: n)
        var colours = 0
        if probeSpacing == nil || side >= max(lattice.lx, lattice.ly) {
            for i in 0..<n { colourOf[i] = i }
            colours = n
        } else {
            for i in 0..<n { let (x, y) = lattice.coordinates(of: i); colourOf[i] = (x % side) + side * (y % side) }
            colours = side * side
        }
        var members = [[Int]](repeating: [], count: colours)
        for i in 0..<n { members[colourOf[i]].append(i) }
        var density = [Double](repeating: 0, count: n)
        var traceHS = 0.0
        // S(H~) applied to the probes, `block` colours at a time (each column's arithmetic is
        // the same whatever the block).
        let used = (0..<colours).filter { !members[$0].isEmpty }
        let probeCount = used.count
        var probesDone = 0
        // Probes per block: 8, or fewer when the recurrence's four blocks of vectors (32 bytes a
        // site a probe) would leave the last-level cache (at 300 x 300 a block of 8 made the core
        // 40% slower than one probe at a time); the numbers do not depend on the block.
        let block = max(1, min(8, (4 << 20) / (32 * max(n, 1))))
        var hacc = [Double](repeating: 0, count: n)
        for start in stride(from: 0, to: used.count, by: block) {
            let batch = Array(used[start..<min(used.count, start + block)])
            var v = [Double](repeating: 0, count: n * batch.count)
            for (j, c) in batch.enumerated() { for i in members[c] { v[j * n + i] = 1 } }
            let acc = try kpm.applySeries(coefficients, to: v, columns: batch.count)
            for (j, c) in batch.enumerated() {
                acc.withUnsafeBufferPointer { ap in
                    hacc.withUnsafeMutableBufferPointer { hp in
                        h.multiply(UnsafeBufferPointer(rebasing: ap[(j * n)..<((j + 1) * n)]), into: hp)
                    }
                }
                for i in members[c] { density[i] += acc[j * n + i]; traceHS += hacc[i] }
                probesDone += 1
                progress?(probesDone, probeCount)
            }
        }
        // Subtract the window states' share with the same polynomial.
        var windowBand = 0.0
        for w in 0..<window.count {
            let sw = series(coefficients, at: (window.values[w] - b) / a)
            windowBand += sw * window.values[w]
            window.forEachComponent(of: w) { i, x in density[i] -= sw * x * x }
        }
        return Result(density: density, bandEnergy: 2 * (traceHS - windowBand), moments: m, probes: colours,
                      stepEnergy: step, spectralBounds: (b - a)...(b + a))
    }
}

extension GroundStateProblem {
    /// The sparse path: the window states (levels `window.firstLevel ..<`, dense or compressed)
    /// and a core density n_core(i) (for example from ``ChebyshevCore``) and core band energy.
    /// chi and the core shifts come from the store: BLAS-3 on dense columns (every nonzero kept), only
    /// the pairs whose supports meet on compressed states (``MeetingOverlaps``, sparse).
    public init(window: some EigenstateStore, coreDensity core: [Double], coreBandEnergy: Double, totalParticles: Int) throws {
        guard let lo = window.firstLevel, (window as? Eigenpairs)?.hasVectors ?? true else {
            throw ModelError.invalidParameter("the sparse ground-state problem needs window eigenvectors with a known first level")
        }
        let k = window.count
        let inWindow = totalParticles - 2 * lo
        guard inWindow >= 0, inWindow <= 2 * k else {
            throw ModelError.invalidParameter("\(totalParticles) particles do not fit the window \(lo)..<\(lo + k) above its core")
        }
        let shift = window.densityProjection(core), selfOverlap = core.reduce(0) { $0 + $1 * $1 }
        if let pairs = window as? Eigenpairs {
            self.init(xi: window.values, chi: Overlaps.chi(pairs), coreShift: shift, coreBandEnergy: coreBandEnergy,
                      coreSelfOverlap: selfOverlap, particles: inWindow, firstLevel: lo, states: window)
        } else {
            let m = MeetingOverlaps(window)
            self.init(xi: window.values, overlap: m.overlap, chiDroppedWeightBound: m.droppedWeightBound, coreShift: shift,
                      coreBandEnergy: coreBandEnergy, coreSelfOverlap: selfOverlap, particles: inWindow, firstLevel: lo, states: window)
        }
    }
}
