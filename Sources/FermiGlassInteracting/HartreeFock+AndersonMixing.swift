#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

// MARK: - Anderson mixing

/// Anderson (type II, Pulay/DIIS) mixing of a fixed-point problem x = g(x) with residual
/// f = g(x) - x. With history differences dX_j = x_{j+1} - x_j, dF_j = f_{j+1} - f_j:
///
///     gamma   = argmin_g |f_k - dF g|_2          (normal equations, Tikhonov 1e-12 relative)
///     x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma
///
/// The history is cleared when the residual grows tenfold above the best seen (a restart).
/// Linear mixing is the special case with no history.
struct AndersonMixer {
    let history: Int
    let beta: Double
    var lastX: [Double]? = nil
    var lastF: [Double]? = nil
    var dX: [[Double]] = []
    var dF: [[Double]] = []
    var bestNorm = Double.infinity

    init(mixing: HartreeFockOptions.Mixing) {
        switch mixing {
        case .linear(let b): history = 0; beta = b
        case .anderson(let m, let b): history = m; beta = b
        // Maximum-overlap filling has no variational line search: it falls back to the
        // default Anderson mixing.
        case .optimalDamping, .energyDIIS: history = 8; beta = 0.5
        }
    }

    mutating func next(x: [Double], f: [Double]) -> [Double] {
        let count = x.count
        var norm = 0.0
        for v in f { norm += v * v }
        norm = norm.squareRoot()
        if let lx = lastX, let lf = lastF, history > 0 {
            dX.append(zip(x, lx).map { $0 - $1 })
            dF.append(zip(f, lf).map { $0 - $1 })
            if dX.count > history { dX.removeFirst(); dF.removeFirst() }
        }
        if norm > 10 * bestNorm { dX.removeAll(); dF.removeAll() }
        bestNorm = min(bestNorm, norm)
        lastX = x
        lastF = f
        var out = x
        for k in 0..<count { out[k] += beta * f[k] }
        let m = dF.count
        guard m > 0 else { return out }
        // Normal equations A g = b, A_jl = dF_j . dF_l, b_j = dF_j . f.
        var a = [Double](repeating: 0, count: m * m)
        var b = [Double](repeating: 0, count: m)
        for j in 0..<m {
            for l in j..<m {
                var s = 0.0
                for k in 0..<count { s += dF[j][k] * dF[l][k] }
                a[j * m + l] = s; a[l * m + j] = s
            }
            var s = 0.0
            for k in 0..<count { s += dF[j][k] * f[k] }
            b[j] = s
        }
        var trace = 0.0
        for j in 0..<m { trace += a[j * m + j] }
        for j in 0..<m { a[j * m + j] += 1e-12 * trace / Double(m) + 1e-300 }
        guard let gamma = Self.solve(a, b, m) else { dX.removeAll(); dF.removeAll(); return out }
        for j in 0..<m {
            let g = gamma[j]
            for k in 0..<count { out[k] -= g * (dX[j][k] + beta * dF[j][k]) }
        }
        return out
    }

    /// Gaussian elimination with partial pivoting on a small dense system (row-major a).
    static func solve(_ a0: [Double], _ b0: [Double], _ m: Int) -> [Double]? {
        var a = a0, b = b0
        for c in 0..<m {
            var p = c
            for r in (c + 1)..<max(c + 1, m) where abs(a[r * m + c]) > abs(a[p * m + c]) { p = r }
            guard a[p * m + c] != 0, a[p * m + c].isFinite else { return nil }
            if p != c {
                for k in 0..<m { a.swapAt(c * m + k, p * m + k) }
                b.swapAt(c, p)
            }
            for r in (c + 1)..<max(c + 1, m) {
                let factor = a[r * m + c] / a[c * m + c]
                if factor == 0 { continue }
                for k in c..<m { a[r * m + k] -= factor * a[c * m + k] }
                b[r] -= factor * b[c]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for r in stride(from: m - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<max(r + 1, m) { s -= a[r * m + k] * x[k] }
            x[r] = s / a[r * m + r]
        }
        return x.allSatisfy { $0.isFinite } ? x : nil
    }
}
