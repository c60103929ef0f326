import FermiGlassModel
internal import CLAPACK

// The one file that talks to LAPACKE and (C)BLAS/OpenBLAS. It owns every buffer it hands to the
// library, and maps LAPACK `info` codes to ``SolverError``.

/// The OpenBLAS runtime: thread count and the kernel it selected, for provenance.
public enum BLASRuntime {
    /// Sets the number of OpenBLAS threads (FermiGlass's `--threads`).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// The number of threads OpenBLAS uses now.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel OpenBLAS selected (for example "Haswell"); affected by OPENBLAS_CORETYPE.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// OpenBLAS's build configuration string (version, threading model, ...).
    public static var configuration: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }
}

/// The LAPACK library in use. The module map links liblapack before libopenblas, and
/// ``version`` calls a LAPACK routine directly, so that the executable records liblapack.so.3 as
/// a dependency ahead of libopenblas.so.0 and LAPACK routines (dsyevd, dsytrd, ...) resolve to
/// the system LAPACK (Debian: reference LAPACK 3.11 on OpenBLAS's BLAS) instead of the older
/// copy bundled inside libopenblas. Measured in docs/benchmarks/foundation.md: the system
/// LAPACK's dsyevd is about 8-13% faster here, on the same OpenBLAS kernels.
public enum LAPACKRuntime {
    /// "major.minor.patch" from ILAVER.
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        ilaver_(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

/// Thin, safe wrappers around the BLAS-3 products FermiGlass needs. Matrices are column-major.
public enum BLAS {
    /// G = A^T A for a column-major `rows x columns` matrix A (dsyrk), returned full
    /// (both triangles), `columns x columns`.
    public static func gramian(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        precondition(a.count == rows * columns)
        var g = [Double](repeating: 0, count: columns * columns)
        guard rows > 0, columns > 0 else { return g }
        a.withUnsafeBufferPointer { ap in
            g.withUnsafeMutableBufferPointer { gp in
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows),
                            1.0, ap.baseAddress, Int32(rows), 0.0, gp.baseAddress, Int32(columns))
            }
        }
        for b in 0..<columns { for a in 0..<b { g[b + a * columns] = g[a + b * columns] } }
        return g
    }

    /// C = A^T B for column-major A (`rows x m`) and B (`rows x k`): an `m x k` matrix (dgemm).
    public static func transposeProduct(_ a: [Double], _ b: [Double], rows: Int, aColumns m: Int, bColumns k: Int) -> [Double] {
        precondition(a.count == rows * m && b.count == rows * k)
        var c = [Double](repeating: 0, count: m * k)
        guard rows > 0, m > 0, k > 0 else { return c }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(k), Int32(rows),
                                1.0, ap.baseAddress, Int32(rows), bp.baseAddress, Int32(rows),
                                0.0, cp.baseAddress, Int32(m))
                }
            }
        }
        return c
    }

    /// C = alpha A B + beta C for column-major A (`m x n`), B (`n x k`), C (`m x k`) (dgemm),
    /// on caller-owned buffers.
    public static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                                m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                                alpha: Double = 1, beta: Double = 0) {
        guard m > 0, n > 0, k > 0 else { return }
        let lda = transposeA ? n : m
        let ldb = transposeB ? k : n
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(k), Int32(n), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(m))
    }
}

/// Householder QR of a tall column-major block (LAPACK dgeqrf + dorgqr), for re-orthogonalizing
/// a propagated basis (the transfer-matrix method of ``TransferMatrix`` in FermiGlassObservables).
public enum HouseholderQR {
    /// Factors the `rows x columns` column-major block `a` (rows >= columns) as Q R, overwrites
    /// `a` with the orthonormal Q (same shape) and writes R's diagonal R_jj (with sign) to
    /// `diagonal[0..<columns]`. The factorization is LAPACK's, so it is bit-reproducible for a
    /// fixed thread count.
    public static func orthonormalize(_ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int,
                                      diagonal: UnsafeMutablePointer<Double>) throws {
        guard columns > 0 else { return }
        guard rows >= columns else {
            throw SolverError.invalidArgument("QR needs rows >= columns, got \(rows) x \(columns)")
        }
        var tau = [Double](repeating: 0, count: columns)
        let m = Int32(rows), n = Int32(columns)
        let info = tau.withUnsafeMutableBufferPointer { tp in
            LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, n, a, m, tp.baseAddress)
        }
        try LAPACK.check(info, "dgeqrf")
        for j in 0..<columns { diagonal[j] = a[j + j * rows] }
        let info2 = tau.withUnsafeMutableBufferPointer { tp in
            LAPACKE_dorgqr(LAPACK_COL_MAJOR, m, n, n, a, m, tp.baseAddress)
        }
        try LAPACK.check(info2, "dorgqr")
    }
}

// The level-1 and general BLAS calls of FermiGlass's own iterative methods (block
// Krylov-Schur), on caller-owned buffers with explicit leading dimensions. Unit strides.
extension BLAS {
    /// x . y over n entries (ddot).
    static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(Int32(n), x, 1, y, 1)
    }

    /// y += alpha x over n entries (daxpy).
    static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(n), alpha, x, 1, y, 1)
    }

    /// x *= alpha over n entries (dscal).
    static func scale(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        cblas_dscal(Int32(n), alpha, x, 1)
    }

    /// C = alpha op(A) op(B) + beta C, column-major, op(A) `m x k`, op(B) `k x n`, C `m x n`,
    /// with explicit leading dimensions (dgemm).
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C = A B for a symmetric `m x m` A of which only the lower triangle is read (dsymm), B and
    /// C column-major `m x n` (leading dimension m).
    static func symmetricMultiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                                  m: Int, n: Int) {
        guard m > 0, n > 0 else { return }
        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, Int32(m), Int32(n), 1, a, Int32(m), b, Int32(m), 0, c, Int32(m))
    }
}

/// LAPACK's symmetric eigensolvers on a dense column-major matrix.
enum LAPACK {
    /// All eigenvalues (and eigenvectors when `vectors`) by divide and conquer (dsyevd).
    /// `a` is overwritten by the eigenvectors.
    static func dsyevd(_ a: inout [Double], n: Int, vectors: Bool) throws -> [Double] {
        var w = [Double](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                // Lower triangle (as numpy.linalg.eigh): dsytrd's lower variant measured ~10%
                // faster than the upper one here (docs/benchmarks/foundation.md, section 4).
                LAPACKE_dsyevd(LAPACK_COL_MAJOR, vectors ? 86 /* V */ : 78 /* N */, 76 /* L */,
                               Int32(n), ap.baseAddress, Int32(n), wp.baseAddress)
            }
        }
        try check(info, "dsyevd")
        return w
    }

    /// Selected eigenpairs by relatively robust representations (dsyevr): by 0-based level
    /// range, or by energy window (lower, upper]. Returns eigenvalues ascending and, when
    /// `vectors`, an `n x m` column-major block.
    static func dsyevr(_ a: inout [Double], n: Int, vectors: Bool, levels: Range<Int>?, energies: (Double, Double)?) throws
        -> (values: [Double], vectors: [Double])
    {
        var m: Int32 = 0
        let capacity = levels?.count ?? n
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: vectors ? n * max(capacity, 1) : 1)
        var isuppz = [Int32](repeating: 0, count: 2 * max(n, 1))
        let range: CChar = levels != nil ? 73 /* I */ : (energies != nil ? 86 /* V */ : 65 /* A */)
        let il = Int32((levels?.lowerBound ?? 0) + 1), iu = Int32(levels?.upperBound ?? n)
        let vl = energies?.0 ?? 0, vu = energies?.1 ?? 0
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                z.withUnsafeMutableBufferPointer { zp in
                    isuppz.withUnsafeMutableBufferPointer { ip in
                        LAPACKE_dsyevr(LAPACK_COL_MAJOR, vectors ? 86 : 78, range, 85, Int32(n), ap.baseAddress, Int32(n),
                                       vl, vu, il, iu, 0.0, &m, wp.baseAddress, zp.baseAddress, Int32(n), ip.baseAddress)
                    }
                }
            }
        }
        try check(info, "dsyevr")
        let count = Int(m)
        return (Array(w[0..<count]), vectors ? Array(z[0..<(n * count)]) : [])
    }

    static func check(_ info: Int32, _ routine: String) throws {
        guard info != 0 else { return }
        let message: Message
        if info < 0 {
            message = "argument \(-info) had an illegal value (a bug in FermiGlass: please report it)"
        } else {
            message = "the algorithm failed to converge (\(info) off-diagonal elements did not reach zero); "
                + "check the matrix for NaN or Inf entries"
        }
        throw SolverError.lapack(routine: routine, info: Int(info), message: message)
    }
}
