import FermiGlassModel
import FermiGlassSolvers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MacKinnon-Kramer transfer-matrix localization length of quasi-1D strips
/// (A. MacKinnon and B. Kramer, Z. Phys. B 53, 1 (1983); Rep. Prog. Phys. 56, 1469 (1993)).
///
/// The strip is M sites wide (periodic across, transverse coordinate y = 0..<M) and `length`
/// slices long (slice n, longitudinal coordinate). The t-t'-W model (CONVENTIONS.md §1) couples
/// slice n only to n - 1 and n + 1, so H psi = E psi reads, slice by slice,
///
///     T psi_{n+1} = (E - H_n) psi_n - T^T psi_{n-1},
///     H_n = diag(W_{n,y} - mu) + t1 (S + S^-1),        T = t1 1 + t2 (S + S^-1),
///
/// with S the cyclic shift y -> y + 1. T is symmetric (the two diagonals), so T^T = T and the
/// transfer step is psi_{n+1} = T^-1 (E - H_n) psi_n - psi_{n-1}. T is circulant with
/// eigenvalues lambda_q = t1 + 2 t2 cos q, q = 2 pi k / M; it must be invertible
/// (t1 = 1, t2 = 0.6: lambda_q = 0 at cos q = -5/6, hit only when some 2 pi k / M lands there).
/// M = 1 is the chain (no transverse or diagonal bonds: H_n = W_n - mu, T = t1).
///
/// The 2M x 2M transfer matrices are symplectic-like: their Lyapunov exponents come in pairs
/// +-gamma_j. The M largest are obtained by propagating M orthonormal columns and
/// re-orthonormalizing them by Householder QR every few slices, summing ln |R_jj|
/// (the standard method); gamma_min = gamma_M, the smallest positive exponent, sets the
/// localization length of the strip
///
///     xi_M = 1 / gamma_min          (amplitude decay length, lattice constants)
///     Lambda_M = xi_M / M           (the scaling variable: decreasing in M = localized)
///
/// The error is the standard error over `blocks` consecutive blocks of the strip.
public enum TransferMatrix {
    /// How to run one strip.
    public struct Options: Sendable, Equatable {
        /// Slices measured (after the warm-up).
        public var length: Int
        /// Slices propagated first and discarded (the columns rotate onto the Lyapunov
        /// directions).
        public var warmup: Int
        /// Equal blocks of the measured length; their spread gives the error.
        public var blocks: Int
        /// Initial number of slices between QR steps; halved (deterministically) whenever the
        /// columns' norms spread by more than 10^6 between two QR steps.
        public var orthogonalizeEvery: Int
        /// Disorder seed and realization (``Disorder``): site i = y + M n of the strip.
        public var seed: UInt64
        public var realization: Int

        public init(length: Int = 100_000, warmup: Int? = nil, blocks: Int = 10, orthogonalizeEvery: Int = 8,
                    seed: UInt64 = 1, realization: Int = 0) {
            self.length = length
            self.warmup = warmup ?? min(1000, max(length / 10, 1))
            self.blocks = blocks
            self.orthogonalizeEvery = orthogonalizeEvery
            self.seed = seed
            self.realization = realization
        }
    }

    /// One strip's result.
    public struct Strip: Sendable {
        public let width: Int
        public let energy: Double
        public let length: Int
        /// The M largest Lyapunov exponents (per slice), in the order of the propagated
        /// columns (descending once converged); the last is gamma_min.
        public let exponents: [Double]
        /// gamma_min = exponents.last, and its standard error over blocks.
        public let gammaMin: Double
        public let gammaMinError: Double
        /// gamma_min of each block.
        public let blockGammaMin: [Double]
        /// The QR interval finally used.
        public let orthogonalizationInterval: Int

        /// xi_M = 1 / gamma_min (lattice constants).
        public var xi: Double { 1 / gammaMin }
        /// Error of xi_M: xi^2 * error(gamma_min).
        public var xiError: Double { gammaMinError / (gammaMin * gammaMin) }
        /// Lambda = xi_M / M.
        public var lambda: Double { xi / Double(width) }
        public var lambdaError: Double { xiError / Double(width) }
    }

    /// The eigenvalues lambda_q = t1 + 2 t2 cos(2 pi k / M) of the inter-slice hopping T
    /// (M = 1: t1).
    public static func interSliceEigenvalues(width m: Int, t1: Double, t2: Double) -> [Double] {
        m == 1 ? [t1] : (0..<m).map { k in t1 + 2 * t2 * cos(2 * Double.pi * Double(k) / Double(m)) }
    }

    /// Checks the strip: M = 1 (a chain, t2 = 0) or M >= 3, and T invertible: every
    /// |lambda_q| >= 1e-8 max(|t1|, |t2|).
    public static func validate(width m: Int, parameters p: ModelParameters) throws {
        try p.validate()
        if m == 2 || m < 1 {
            throw ObservablesError.invalidArgument("strip width M must be 1 (a chain) or at least 3 (periodic across), got \(m)")
        }
        if m == 1 && p.t2 != 0 {
            throw ObservablesError.invalidArgument("a chain (M = 1) has no diagonal bonds: t2 must be 0, got \(p.t2)")
        }
        guard p.t1 != 0 else { throw ObservablesError.invalidArgument("the transfer matrix needs t1 != 0 (slices are coupled by T = t1 + t2 (S + S^-1))") }
        let lambdas = interSliceEigenvalues(width: m, t1: p.t1, t2: p.t2)
        let scale = max(abs(p.t1), abs(p.t2))
        if let k = lambdas.indices.min(by: { abs(lambdas[$0]) < abs(lambdas[$1]) }), abs(lambdas[k]) < 1e-8 * scale {
            throw ObservablesError.invalidArgument(
                "the inter-slice hopping T of a width-\(m) strip is singular: lambda_q = t1 + 2 t2 cos(2 pi \(k)/\(m)) = \(lambdas[k]); choose another width")
        }
    }

    /// The clean strip's (W = 0) smallest decay rate: for each transverse momentum q the slice
    /// equation is lambda_q (z + 1/z) = E + mu - 2 t1 cos q (M = 1: t1 (z + 1/z) = E + mu), so a mode
    /// with |c| = |E + mu - 2 t1 cos q| / (2 |lambda_q|) > 1 decays as exp(-kappa_q n),
    /// kappa_q = arccosh |c|, and a mode with |c| <= 1 propagates (kappa_q = 0).
    /// gamma_min = min_q kappa_q.
    public static func cleanDecayRate(width m: Int, parameters p: ModelParameters, energy e: Double) -> Double {
        let lambdas = interSliceEigenvalues(width: m, t1: p.t1, t2: p.t2)
        var best = Double.infinity
        for k in 0..<m {
            let h = m == 1 ? 0 : 2 * p.t1 * cos(2 * Double.pi * Double(k) / Double(m))
            let c = abs(e + p.mu - h) / (2 * abs(lambdas[k]))
            best = min(best, c <= 1 ? 0 : acosh(c))
        }
        return best
    }

    /// The Lyapunov exponents of a strip of width `m` of the model `p` at energy `e`.
    public static func strip(width m: Int, parameters p: ModelParameters, energy e: Double, options o: Options) throws -> Strip {
        try validate(width: m, parameters: p)
        guard e.isFinite else { throw ObservablesError.invalidArgument("the energy must be finite, got \(e)") }
        guard o.length > 0, o.blocks > 0, o.length >= o.blocks, o.warmup >= 0, o.orthogonalizeEvery > 0 else {
            throw ObservablesError.invalidArgument(
                "transfer matrix: need length >= blocks > 0, warmup >= 0 and a positive QR interval (got length \(o.length), blocks \(o.blocks), warmup \(o.warmup), interval \(o.orthogonalizeEvery))")
        }
        // T^-1 of the circulant T: (T^-1)_{jk} = (1/M) sum_q cos(q (j - k)) / lambda_q.
        let lambdas = interSliceEigenvalues(width: m, t1: p.t1, t2: p.t2)
        var tinv = [Double](repeating: 0, count: m * m)
        for d in 0..<m {
            var s = 0.0
            for k in 0..<m { s += cos(2 * Double.pi * Double(k * d) / Double(m)) / lambdas[k] }
            s /= Double(m)
            for j in 0..<m { tinv[((j + d) % m) + j * m] = s }
        }
        // Columns: top = psi_n (M x M), bottom = psi_{n-1}; start from the identity.
        var top = [Double](repeating: 0, count: m * m), bottom = [Double](repeating: 0, count: m * m)
        for j in 0..<m { top[j + j * m] = 1 }
        var next = [Double](repeating: 0, count: m * m), x = [Double](repeating: 0, count: m * m)
        var stacked = [Double](repeating: 0, count: 2 * m * m), diagonal = [Double](repeating: 0, count: m)
        var eps = [Double](repeating: 0, count: m)
        let blockLength = o.length / o.blocks
        let measured = blockLength * o.blocks
        let total = o.warmup + measured
        var sums = [Double](repeating: 0, count: m)            // over the current block
        var blockExponents = [[Double]]()
        var interval = o.orthogonalizeEvery, sinceQR = 0
        let shift = e + p.mu
        for n in 0..<total {
            Disorder.fill(&eps, strength: p.disorderStrength, seed: o.seed, realization: o.realization, sites: (n * m)..<((n + 1) * m))
            // x = (E - H_n) psi_n
            top.withUnsafeBufferPointer { a in
                x.withUnsafeMutableBufferPointer { xp in
                    for c in 0..<m {
                        let col = c * m
                        for y in 0..<m {
                            var v = (shift - eps[y]) * a[col + y]
                            if m > 1 { v -= p.t1 * (a[col + (y + 1) % m] + a[col + (y + m - 1) % m]) }
                            xp[col + y] = v
                        }
                    }
                }
            }
            // next = T^-1 x - psi_{n-1}
            for k in 0..<(m * m) { next[k] = -bottom[k] }
            tinv.withUnsafeBufferPointer { tp in
                x.withUnsafeBufferPointer { xp in
                    next.withUnsafeMutableBufferPointer { np in
                        BLAS.multiply(tp.baseAddress!, xp.baseAddress!, into: np.baseAddress!, m: m, n: m, k: m, beta: 1)
                    }
                }
            }
            swap(&bottom, &top)
            swap(&top, &next)
            sinceQR += 1
            let endOfWarmup = n + 1 == o.warmup
            let measuredSteps = n + 1 - o.warmup
            let endOfBlock = measuredSteps > 0 && measuredSteps % blockLength == 0
            guard sinceQR >= interval || endOfWarmup || endOfBlock || n + 1 == total else { continue }
            sinceQR = 0
            for c in 0..<m {
                for y in 0..<m { stacked[y + 2 * m * c] = top[y + m * c]; stacked[m + y + 2 * m * c] = bottom[y + m * c] }
            }
            try stacked.withUnsafeMutableBufferPointer { sp in
                try diagonal.withUnsafeMutableBufferPointer { dp in
                    try HouseholderQR.orthonormalize(sp.baseAddress!, rows: 2 * m, columns: m, diagonal: dp.baseAddress!)
                }
            }
            for c in 0..<m {
                for y in 0..<m { top[y + m * c] = stacked[y + 2 * m * c]; bottom[y + m * c] = stacked[m + y + 2 * m * c] }
            }
            var largest = 0.0, smallest = Double.infinity
            for j in 0..<m {
                let r = abs(diagonal[j])
                guard r > 0, r.isFinite else {
                    throw ObservablesError.invalidArgument("transfer matrix: the propagated columns became dependent or overflowed (R_jj = \(diagonal[j])) at slice \(n); lower the QR interval")
                }
                largest = max(largest, r); smallest = min(smallest, r)
                if n >= o.warmup { sums[j] += log(r) }
            }
            if largest / smallest > 1e6 && interval > 1 { interval /= 2 }
            if endOfBlock {
                blockExponents.append(sums.map { $0 / Double(blockLength) })
                for j in 0..<m { sums[j] = 0 }
            }
        }
        let exponents = (0..<m).map { j in Statistics.mean(blockExponents.map { $0[j] }) }
        let perBlock = blockExponents.map { $0[m - 1] }
        return Strip(width: m, energy: e, length: measured, exponents: exponents, gammaMin: exponents[m - 1],
                     gammaMinError: Statistics.standardError(perBlock), blockGammaMin: perBlock,
                     orthogonalizationInterval: interval)
    }

    /// E_F of the paramagnetic Fermi sea at `filling` (particles per site) on an L x L periodic
    /// lattice, realization 0 of `seed`, by inertia bisection (shift-invert engine): a cheap
    /// estimate of the Fermi energy of the infinite system for `localization --method
    /// transfer-matrix --fermi` (its finite-size scatter is of order the level spacing times
    /// sqrt(L^2), small against the energy scale of xi(E)).
    public static func fermiEnergy(parameters p: ModelParameters, filling: Double, size l: Int, seed: UInt64) throws -> Double {
        let lattice = try Lattice(lx: l, ly: l)
        let model = try DisorderedModel(lattice: lattice, parameters: p, seed: seed, realization: 0)
        let fill = try Filling(filling: filling, siteCount: lattice.siteCount)
        let solver = try ShiftInvertSolver(model.hamiltonian(), options: ShiftInvertOptions(certifyNearest: false))
        return try solver.fermiLevel(fermiIndex: fill.fermiIndex).energy
    }
}
