#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel

/// The kernel polynomial method (Weisse, Wellein, Alvermann & Fehske, Rev. Mod. Phys. 78, 275
/// (2006)): spectral densities of a symmetric operator H from its Chebyshev moments, in O(n) work
/// and memory per moment.
///
/// H is scaled into [-1, 1] by H~ = (H - b) / a (``SpectralBounds``: b the centre, a the half
/// width of an interval that holds the spectrum). The moments of a vector r are
/// mu_n = <r|T_n(H~)|r>, with T_0 = 1, T_1 = x, T_{n+1} = 2 x T_n - T_{n-1}; two come from each
/// product (v_n = T_n(H~) r):
///
///     mu_2n = 2 <v_n|v_n> - mu_0,      mu_2n+1 = 2 <v_n+1|v_n> - mu_1      (RMP eq. 34)
///
/// so M moments cost M/2 products. Kernels g_n (Jackson, Lorentz: ``KPMKernel``) damp the
/// Gibbs oscillations of the truncated series; ``KernelPolynomial/density(moments:kernel:bounds:at:)``
/// reconstructs rho(E) and the integrated density. The trace tr T_n(H~) is estimated from
/// seeded random vectors (``KernelPolynomial/stochasticMoments(count:vectors:seed:blockSize:)``,
/// R vectors give a relative error ~ 1 / sqrt(R n)) and local densities come from exact probe
/// vectors (``KernelPolynomial/probeMoments(sites:count:)``).
///
/// Written against ``LinearOperator``; the lattice stencil (``LatticeStencil``) additionally fuses
/// the product and the recurrence into one pass over memory. Rows are reduced in fixed chunks,
/// so the moments are the same bits for any thread count.
public struct KernelPolynomial {
    public let hamiltonian: any LinearOperator
    public let bounds: SpectralBounds
    /// Threads over which the recurrence splits its rows (results do not depend on it).
    public var threads: Int

    public init(_ h: any LinearOperator, bounds: SpectralBounds, threads: Int = 1) {
        hamiltonian = h
        self.bounds = bounds
        self.threads = max(1, threads)
    }

    public var dimension: Int { hamiltonian.dimension }
}

/// An interval [b - a, b + a] that holds the whole spectrum of H: the scaling H~ = (H - b) / a
/// of the Chebyshev expansion.
public struct SpectralBounds: Sendable, Equatable {
    /// b: the centre (units of t1).
    public let center: Double
    /// a > 0: the half width (units of t1).
    public let halfWidth: Double

    public init(center: Double, halfWidth: Double) {
        precondition(halfWidth > 0 && halfWidth.isFinite && center.isFinite, "bad spectral bounds \(center) +- \(halfWidth)")
        self.center = center
        self.halfWidth = halfWidth
    }

    public init(_ interval: ClosedRange<Double>) {
        self.init(center: 0.5 * (interval.lowerBound + interval.upperBound),
                  halfWidth: max(0.5 * (interval.upperBound - interval.lowerBound), 1e-300))
    }

    public var lower: Double { center - halfWidth }
    public var upper: Double { center + halfWidth }

    /// x = (E - b) / a.
    @inlinable public func scaled(_ e: Double) -> Double { (e - center) / halfWidth }

    /// Bounds for H from Gershgorin's interval (rigorous, often loose) tightened by `steps`
    /// Lanczos steps from a seeded random start: the extreme Ritz values theta, pushed out by
    /// their residual norms |beta_k s_k| (an eigenvalue lies within that distance) and then by
    /// `margin` times the width on each side, clipped to Gershgorin's interval widened by the
    /// same margin. Lanczos approaches the
    /// extreme eigenvalues from inside, so the margin is what keeps the spectrum inside; the
    /// moment recurrence checks |mu_n| <= mu_0 and throws if an eigenvalue escaped.
    ///
    /// Plain three-term Lanczos (three vectors of memory, no reorthogonalization): lost
    /// orthogonality only repeats converged Ritz values, and the extreme ones converge first.
    public static func estimate(_ h: any LinearOperator, gershgorin: ClosedRange<Double>, steps: Int = 40,
                                margin: Double = 0.01, seed: UInt64 = 0) throws -> SpectralBounds {
        let n = h.dimension
        guard n > 0 else { throw SolverError.invalidArgument("the spectral bounds of an empty operator are undefined") }
        let k = min(steps, n)
        guard k >= 2 else { return SpectralBounds(gershgorin) }
        var rng = SplitMix64(seed: seed, stream: 0xB0D5)
        var q = [Double](repeating: 0, count: n), previous = q, w = q
        var norm = 0.0
        for i in 0..<n { let x = SplitMix64.unitDouble(rng.next()) - 0.5; q[i] = x; norm += x * x }
        norm = norm.squareRoot()
        for i in 0..<n { q[i] /= norm }
        var alpha = [Double](), beta = [Double]()
        let scale = max(abs(gershgorin.lowerBound), abs(gershgorin.upperBound), 1e-300)
        var betaPrev = 0.0
        for j in 0..<k {
            try q.withUnsafeBufferPointer { qp in
                try w.withUnsafeMutableBufferPointer { wp in try h.apply(qp.baseAddress!, into: wp.baseAddress!, columns: 1) }
            }
            var a = 0.0
            for i in 0..<n { a += q[i] * w[i] }
            var b = 0.0
            for i in 0..<n { let r = w[i] - a * q[i] - betaPrev * previous[i]; w[i] = r; b += r * r }
            b = b.squareRoot()
            alpha.append(a); beta.append(b)
            if b < 1e-12 * scale || j == k - 1 { break }
            for i in 0..<n { previous[i] = q[i]; q[i] = w[i] / b }
            betaPrev = b
        }
        let used = alpha.count
        // Ritz values and residual norms |beta_last * s_last| of the tridiagonal matrix.
        var t = [Double](repeating: 0, count: used * used)
        for j in 0..<used {
            t[j + j * used] = alpha[j]
            if j + 1 < used { t[j + 1 + j * used] = beta[j]; t[j + (j + 1) * used] = beta[j] }
        }
        let theta = try LAPACK.dsyevd(&t, n: used, vectors: true)
        let bLast = beta[used - 1]
        let rLow = abs(bLast * t[used - 1]), rHigh = abs(bLast * t[used - 1 + (used - 1) * used])
        var lo = theta[0] - rLow, hi = theta[used - 1] + rHigh
        let width = hi - lo
        lo -= margin * width; hi += margin * width
        // Clip to Gershgorin widened by the same margin: an extreme eigenvalue may sit exactly on
        // Gershgorin's bound (k = 0 of the clean lattice), and x = +-1 must stay off the spectrum.
        let gWidth = gershgorin.upperBound - gershgorin.lowerBound
        lo = max(lo, gershgorin.lowerBound - margin * gWidth); hi = min(hi, gershgorin.upperBound + margin * gWidth)
        if !(hi > lo) { return SpectralBounds(gershgorin) }
        return SpectralBounds(lo...hi)
    }
}

/// Operators that fuse the product and the Chebyshev step into one pass (``LatticeStencil``):
/// w = 2 H~ v - w (or H~ v when `first`), returning per-column (<v|v>, <w|v>) when `dots`,
/// with the same bits as the unfused path.
protocol ChebyshevStepping {
    func chebyshevStep(columns: Int, v: UnsafePointer<Double>, w: UnsafeMutablePointer<Double>, shift: Double,
                       inverseScale: Double, first: Bool, dots: Bool, threads: Int) -> [Double]
}
