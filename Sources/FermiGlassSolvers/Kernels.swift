internal import _FermiGlassKernels

// The one file that calls FermiGlass's own C kernels (_FermiGlassKernels, documented in its
// FermiGlassKernels.h). No C type crosses these wrappers.

/// FermiGlass's C kernels: the interleaved LDL^T solve and the block Gram-Schmidt products.
enum Kernels {
    /// C = V^T W for a block W of exactly 8 columns: V is `rows x m` (leading dimension ldv),
    /// W `rows x 8` (ldw), C `m x 8` (ldc). Streams V once; fixed order of operations.
    static func project8(rows: Int, columns m: Int, _ v: UnsafePointer<Double>, ldv: Int, _ w: UnsafePointer<Double>, ldw: Int,
                         into c: UnsafeMutablePointer<Double>, ldc: Int) {
        fg_project8(Int64(rows), Int32(m), v, Int64(ldv), w, Int64(ldw), c, Int32(ldc))
    }

    /// W -= V C for a block W of exactly 8 columns: V `rows x m` (ldv), C `m x 8` (ldc),
    /// W `rows x 8` (ldw).
    static func subtract8(rows: Int, columns m: Int, _ v: UnsafePointer<Double>, ldv: Int, _ c: UnsafePointer<Double>, ldc: Int,
                          from w: UnsafeMutablePointer<Double>, ldw: Int) {
        fg_subtract8(Int64(rows), Int32(m), v, Int64(ldv), c, Int32(ldc), w, Int64(ldw))
    }

    /// Solves P^T L D L^T P X = B with a simplicial LDL^T in CHOLMOD's layout (column j of L:
    /// lnz[j] entries from lp[j], the first the diagonal holding D_jj; `perm` the fill-reducing
    /// permutation or nil), for `columns` right-hand sides (leading dimensions ldb, ldx), using
    /// `work` (8 n doubles: right-hand sides go 8 at a time) as the interleaved buffer.
    static func ldlSolve(dimension n: Int, lp: UnsafePointer<Int32>, li: UnsafePointer<Int32>, lx: UnsafePointer<Double>,
                         lnz: UnsafePointer<Int32>, perm: UnsafePointer<Int32>?, columns: Int,
                         _ b: UnsafePointer<Double>, ldb: Int, into x: UnsafeMutablePointer<Double>, ldx: Int,
                         work: UnsafeMutablePointer<Double>) {
        fg_ldl_solve(Int32(n), lp, li, lx, lnz, perm, Int32(columns), b, Int64(ldb), x, Int64(ldx), work)
    }
}
