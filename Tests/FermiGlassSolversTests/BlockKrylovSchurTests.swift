import Testing
@testable import FermiGlassSolvers
import CLAPACK
import FermiGlassModel
import _FermiGlassKernels
import FermiGlassTestSupport

/// A = diag(d): eigenpairs known exactly (eigenvectors are the unit vectors e_i).
struct DiagonalOperator: LinearOperator {
    let d: [Double]
    var dimension: Int { d.count }
    func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        let n = d.count
        for c in 0..<columns { for i in 0..<n { y[i + c * n] = d[i] * x[i + c * n] } }
    }
}

/// The block Krylov-Schur iteration on its own, on diagonal operators whose eigenpairs are
/// known exactly (eigenvectors are the unit vectors e_i).
@Suite struct BlockKrylovSchurTests {
    /// Runs the largest-magnitude iteration on A = diag(d) and returns theta, vectors (n x nev)
    /// and the orthogonality error max |V^T V - I|.
    func run(_ d: [Double], nev: Int, blockSize: Int = 8, threads: Int = 1) throws -> (theta: [Double], v: [Double], orthogonality: Double) {
        let n = d.count
        let r = try BlockKrylovSchur.eigenpairs(of: DiagonalOperator(d: d), count: nev, which: .largestMagnitude,
                                                options: LanczosOptions(tolerance: 1e-12), blockSize: blockSize, threads: threads)
        var worst = 0.0
        for a in 0..<nev {
            for b in 0...a {
                var dot = 0.0
                for i in 0..<n { dot += r.vectors[i + a * n] * r.vectors[i + b * n] }
                worst = max(worst, abs(dot - (a == b ? 1 : 0)))
            }
        }
        return (r.values, r.vectors, worst)
    }

    /// d_i = (-1)^i / (1 + i / width): distinct, alternating signs, the largest magnitudes at small i.
    func alternating(_ n: Int, width: Double) -> [Double] {
        (0..<n).map { i in
            let sign: Double = i % 2 == 0 ? 1 : -1
            return sign / (1 + Double(i) / width)
        }
    }

    /// Distinct eigenvalues: the nev largest |d_i| are found to 1e-12 and their vectors are
    /// +-e_i (weight outside the right coordinate below 1e-10), orthonormal to 1e-13.
    @Test func distinctSpectrumIsFoundExactly() throws {
        let n = 600, nev = 24
        let d = alternating(n, width: 7)
        let r = try run(d, nev: nev)
        #expect(r.orthogonality < 1e-13, "orthogonality error \(r.orthogonality)")
        // The wanted levels are i = 0 ..< nev (|d_i| decreasing in i).
        #expect(r.theta.count == nev)
        for (c, theta) in r.theta.enumerated() {
            let match: Int? = (0..<nev).first { abs(d[$0] - theta) < 1e-12 }
            let i = try #require(match, "theta \(theta) is not one of the \(nev) largest |d_i|")
            var off = 0.0
            for j in 0..<n where j != i { off += r.v[j + c * n] * r.v[j + c * n] }
            #expect(off < 1e-20, "vector \(c) has weight \(off) off e_\(i)")
        }
        #expect(Set(r.theta).count == nev, "a level was returned twice")
    }

    /// Long vectors (20 000 rows, so the Gram-Schmidt kernels split their rows over 2 threads):
    /// the same spectrum to 1e-12 on 1 and 2 threads, bit-identical on repeated 2-thread runs.
    @Test(.slow, .tags(.slow)) func threadSplitOfTheGramSchmidtKernels() throws {
        let n = 20_000, nev = 16
        let d = alternating(n, width: 3)
        let one = try run(d, nev: nev, threads: 1), two = try run(d, nev: nev, threads: 2), again = try run(d, nev: nev, threads: 2)
        #expect(two.theta == again.theta && two.v == again.v, "two 2-thread runs differ")
        let exact = (0..<nev).map { d[$0] }.sorted(), a = one.theta.sorted(), b = two.theta.sorted()
        for i in 0..<nev {
            #expect(abs(a[i] - exact[i]) < 1e-12 && abs(b[i] - exact[i]) < 1e-12, "theta \(a[i]) / \(b[i]) against \(exact[i])")
        }
        #expect(one.orthogonality < 1e-13 && two.orthogonality < 1e-13)
    }

    /// Two distinct eigenvalues (3 with multiplicity 40, 1 on the rest): a block Krylov space
    /// span{V0, A V0} has only 2 b dimensions, so every later block loses rank and the
    /// iteration must continue with fresh random directions (the Gram-Schmidt fallback behind
    /// Cholesky QR). All 40 vectors of the eigenvalue 3 must come out, orthonormal, inside
    /// the eigenspace.
    @Test(arguments: [4, 8]) func rankLossInTheBlockIsRecovered(blockSize: Int) throws {
        let n = 400, nev = 40
        let d = (0..<n).map { $0 < nev ? 3.0 : 1.0 }
        let r = try run(d, nev: nev, blockSize: blockSize)
        #expect(r.theta.allSatisfy { abs($0 - 3) < 1e-12 }, "theta \(r.theta)")
        #expect(r.orthogonality < 1e-12, "orthogonality error \(r.orthogonality)")
        var outside = 0.0
        for c in 0..<nev { for i in nev..<n { outside = max(outside, abs(r.v[i + c * n])) } }
        #expect(outside < 1e-10, "largest component outside the eigenspace \(outside)")
    }
}

/// The block Gram-Schmidt kernels (`fg_project8`, `fg_subtract8`) against OpenBLAS's dgemm on
/// shapes that exercise every tail: rows not a multiple of the 512-row panel, basis widths not
/// a multiple of the 8-column register block, leading dimensions larger than the rows.
@Suite struct GramSchmidtKernels {
    @Test(arguments: [(1, 1), (511, 7), (513, 8), (1300, 19), (2048, 64)])
    func matchDGEMM(_ rows: Int, _ m: Int) {
        let ld = rows + 3
        var rng = SplitMix64(seed: 5, stream: UInt64(rows * 1000 + m))
        func random(_ count: Int) -> [Double] { (0..<count).map { _ in Double(rng.next() >> 11) * 0x1.0p-53 - 0.5 } }
        let v = random(ld * m), w = random(ld * 8)
        var c = [Double](repeating: .nan, count: (m + 2) * 8), reference = [Double](repeating: 0, count: m * 8)
        fg_project8(Int64(rows), Int32(m), v, Int64(ld), w, Int64(ld), &c, Int32(m + 2))
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(m), 8, Int32(rows), 1, v, Int32(ld), w, Int32(ld), 0, &reference, Int32(m))
        var worst = 0.0
        for k in 0..<8 { for j in 0..<m { worst = max(worst, abs(c[j + k * (m + 2)] - reference[j + k * m])) } }
        #expect(worst <= 1e-13 * Double(rows), "V^T W differs from dgemm by \(worst)")

        var x = w, y = w
        fg_subtract8(Int64(rows), Int32(m), v, Int64(ld), reference, Int32(m), &x, Int64(ld))
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(rows), 8, Int32(m), -1, v, Int32(ld), reference, Int32(m), 1, &y, Int32(ld))
        worst = 0
        for k in 0..<8 {
            for i in 0..<ld {
                let d = abs(x[i + k * ld] - y[i + k * ld])
                // Rows beyond `rows` (the leading-dimension padding) must be left untouched.
                if i >= rows { #expect(x[i + k * ld] == w[i + k * ld]) } else { worst = max(worst, d) }
            }
        }
        #expect(worst <= 1e-13 * Double(m) * Double(rows), "W - V C differs from dgemm by \(worst)")
    }
}
