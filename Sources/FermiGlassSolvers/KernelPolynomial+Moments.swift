import FermiGlassModel

/// Chebyshev moments mu_n = <r|T_n(H~)|r> of blocks of vectors, stochastic traces over seeded
/// random vectors, exact traces over probe vectors, and Chebyshev series applied to vectors.
extension KernelPolynomial {
    /// One recurrence step on a block: w = H~ v (first) or w = 2 H~ v - w, acc += coefficient w
    /// when `acc` is given; returns the per-column (<v|v>, <w|v>) when `dots`. `hv`: scratch of
    /// the block's size for operators without a fused step.
    func step(columns: Int, v: UnsafePointer<Double>, w: UnsafeMutablePointer<Double>, hv: UnsafeMutablePointer<Double>,
              first: Bool, acc: UnsafeMutablePointer<Double>? = nil, coefficient: Double = 0, dots: Bool) throws -> [Double] {
        let inv = 1 / bounds.halfWidth
        if acc == nil, let fused = hamiltonian as? ChebyshevStepping {
            return fused.chebyshevStep(columns: columns, v: v, w: w, shift: bounds.center, inverseScale: inv, first: first,
                                       dots: dots, threads: threads)
        }
        try hamiltonian.apply(v, into: hv, columns: columns)
        return ChebyshevKernels.combine(rows: dimension, columns: columns, hv: hv, v: v, w: w, shift: bounds.center,
                                        inverseScale: inv, first: first, acc: acc, coefficient: coefficient, dots: dots,
                                        threads: threads)
    }

    /// The moments mu_n = <x_c|T_n(H~)|x_c>, n = 0 ..< m, of each column c of a column-major
    /// block (`dimension x columns`), two per product (RMP eq. 34): ceil(m / 2) products of the
    /// block. Returned column by column (mu_n of column c at c * m + n).
    ///
    /// Throws when a moment exceeds mu_0 in size (|T_n(x)| <= 1 on [-1, 1]): the spectrum is
    /// not inside ``bounds``.
    public func moments(of block: [Double], columns: Int, count m: Int) throws -> [Double] {
        var a = block
        return try moments(overwriting: &a, columns: columns, count: m)
    }

    /// ``moments(of:columns:count:)`` using the block's own storage as one of the two recurrence
    /// vectors (it is overwritten): 2 blocks of memory instead of 3.
    func moments(overwriting a: inout [Double], columns: Int, count m: Int) throws -> [Double] {
        let n = dimension
        guard m >= 2 else { throw SolverError.invalidArgument("the kernel polynomial method needs at least 2 moments, got \(m)") }
        guard columns >= 1, a.count == n * columns else {
            throw SolverError.invalidArgument("the block holds \(a.count) values, not \(n) x \(columns)")
        }
        var b = [Double](repeating: 0, count: n * columns)
        var hv = [Double](repeating: 0, count: hamiltonian is ChebyshevStepping ? 0 : n * columns)
        var mu = [Double](repeating: 0, count: m * columns)
        try a.withUnsafeMutableBufferPointer { ap in
            try b.withUnsafeMutableBufferPointer { bp in
                try hv.withUnsafeMutableBufferPointer { hp in
                    var v = ap.baseAddress!, w = bp.baseAddress!
                    let scratch = hp.baseAddress ?? w
                    let first = try step(columns: columns, v: v, w: w, hv: scratch, first: true, dots: true)
                    for c in 0..<columns { mu[c * m] = first[2 * c]; if m > 1 { mu[c * m + 1] = first[2 * c + 1] } }
                    var k = 1
                    while 2 * k < m {
                        swap(&v, &w)   // v = v_k, w = v_{k-1} (overwritten by v_{k+1})
                        let d = try step(columns: columns, v: v, w: w, hv: scratch, first: false, dots: true)
                        for c in 0..<columns {
                            mu[c * m + 2 * k] = 2 * d[2 * c] - mu[c * m]
                            if 2 * k + 1 < m { mu[c * m + 2 * k + 1] = 2 * d[2 * c + 1] - mu[c * m + 1] }
                        }
                        k += 1
                    }
                }
            }
        }
        for c in 0..<columns {
            let mu0 = mu[c * m]
            for k in 0..<m where !(abs(mu[c * m + k]) <= mu0 * (1 + 1e-6) + 1e-12) {
                throw SolverError.invalidArgument(
                    "Chebyshev moment \(k) = \(mu[c * m + k]) exceeds mu_0 = \(mu0): the spectrum is not inside the bounds [\(bounds.lower), \(bounds.upper)]; widen them")
            }
        }
        return mu
    }

    /// Element i of random vector k for `seed`: +-1 (Rademacher), from the top bit of
    /// splitmix64(base + (i + 1) gamma), base = splitmix64((seed ^ 0x4B504D) + (k + 1) gamma):
    /// a function of (seed, k, i) only, like ``Disorder``'s on-site energies.
    @inlinable public static func randomSign(seed: UInt64, vector k: Int, site i: Int) -> Double {
        let base = SplitMix64.mix((seed ^ 0x4B50_4D) &+ UInt64(k + 1) &* SplitMix64.gamma)
        return SplitMix64.mix(base &+ UInt64(i + 1) &* SplitMix64.gamma) >> 63 == 0 ? 1 : -1
    }

    /// Stochastic trace: moments of R random vectors (``randomSign(seed:vector:site:)``, vectors
    /// `firstVector ..< firstVector + R`), computed `blockSize` at a time, each divided by the
    /// dimension n, so that mu_n^(r) = <r|T_n(H~)|r> / n estimates tr T_n(H~) / n without bias
    /// (E[r_i r_j] = delta_ij), with variance (2 / n^2) sum_{i != j} T_n(H~)_ij^2.
    public func stochasticMoments(count m: Int, vectors r: Int, seed: UInt64, firstVector: Int = 0,
                                  blockSize: Int = 8) throws -> StochasticMoments {
        guard r >= 1 else { throw SolverError.invalidArgument("the stochastic trace needs at least 1 random vector, got \(r)") }
        let n = dimension
        let bs = max(1, blockSize)
        var perVector = [[Double]]()
        var start = 0
        while start < r {
            let cols = min(bs, r - start)
            var block = [Double](repeating: 0, count: n * cols)
            block.withUnsafeMutableBufferPointer { bp in
                let base = bp.baseAddress!
                ChebyshevKernels.forEachChunk(rows: n, threads: threads) { lo, hi, _ in
                    for c in 0..<cols {
                        for i in lo..<hi { base[c * n + i] = Self.randomSign(seed: seed, vector: firstVector + start + c, site: i) }
                    }
                }
            }
            let mu = try moments(overwriting: &block, columns: cols, count: m)
            for c in 0..<cols { perVector.append(mu[(c * m)..<((c + 1) * m)].map { $0 / Double(n) }) }
            start += cols
        }
        return StochasticMoments(perVector: perVector)
    }

    /// Exact local moments mu_n(i) = <i|T_n(H~)|i> for each site in `sites` (unit probe
    /// vectors, `blockSize` at a time): the local density of states at i (``KernelPolynomial/density(moments:kernel:bounds:at:)``).
    public func probeMoments(sites: [Int], count m: Int, blockSize: Int = 8) throws -> [[Double]] {
        let n = dimension
        if let bad = sites.first(where: { $0 < 0 || $0 >= n }) {
            throw SolverError.invalidArgument("probe site \(bad) is out of range 0..<\(n)")
        }
        var out = [[Double]]()
        var start = 0
        while start < sites.count {
            let cols = min(max(1, blockSize), sites.count - start)
            var block = [Double](repeating: 0, count: n * cols)
            for c in 0..<cols { block[c * n + sites[start + c]] = 1 }
            let mu = try moments(overwriting: &block, columns: cols, count: m)
            for c in 0..<cols { out.append(Array(mu[(c * m)..<((c + 1) * m)])) }
            start += cols
        }
        return out
    }

    /// sum_{k < m} c_k T_k(H~) X for a column-major block X (`dimension x columns`), by the
    /// recurrence (acc = c_0 X, then acc += c_k T_k(H~) X as each T_k X is formed): a matrix
    /// function f(H) X from the Chebyshev coefficients of f, in m - 1 block products.
    public func applySeries(_ coefficients: [Double], to block: [Double], columns: Int) throws -> [Double] {
        let n = dimension, m = coefficients.count
        guard m >= 2 else { throw SolverError.invalidArgument("a Chebyshev series needs at least 2 coefficients, got \(m)") }
        guard block.count == n * columns else {
            throw SolverError.invalidArgument("the block holds \(block.count) values, not \(n) x \(columns)")
        }
        var acc = block.map { coefficients[0] * $0 }
        var a = block
        var b = [Double](repeating: 0, count: n * columns), hv = b
        try a.withUnsafeMutableBufferPointer { ap in
            try b.withUnsafeMutableBufferPointer { bp in
                try hv.withUnsafeMutableBufferPointer { hp in
                    try acc.withUnsafeMutableBufferPointer { cp in
                        var v = ap.baseAddress!, w = bp.baseAddress!
                        _ = try step(columns: columns, v: v, w: w, hv: hp.baseAddress!, first: true, acc: cp.baseAddress!,
                                     coefficient: coefficients[1], dots: false)
                        for k in 2..<max(2, m) {
                            swap(&v, &w)
                            _ = try step(columns: columns, v: v, w: w, hv: hp.baseAddress!, first: false, acc: cp.baseAddress!,
                                         coefficient: coefficients[k], dots: false)
                        }
                    }
                }
            }
        }
        return acc
    }
}

/// Moments of R random vectors, mu_n^(r) = <r|T_n(H~)|r> / n: their mean estimates the
/// normalized trace tr T_n(H~) / n, and their spread the error of any quantity linear in them.
public struct StochasticMoments: Sendable {
    /// R rows of M moments.
    public let perVector: [[Double]]

    public init(perVector: [[Double]]) {
        precondition(!perVector.isEmpty && perVector.allSatisfy { $0.count == perVector[0].count })
        self.perVector = perVector
    }

    public var vectors: Int { perVector.count }
    public var count: Int { perVector[0].count }

    /// The mean over vectors of each moment.
    public var mean: [Double] {
        var s = [Double](repeating: 0, count: count)
        for v in perVector { for k in 0..<count { s[k] += v[k] } }
        return s.map { $0 / Double(vectors) }
    }
}
