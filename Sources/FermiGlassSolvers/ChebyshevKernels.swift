import Dispatch
internal import _FermiGlassKernels

// The one file that calls FermiGlass's Chebyshev and stencil C kernels (chebyshev.c). Rows are
// cut into fixed chunks of `chunk` rows whatever the thread count; per-chunk dot products are
// summed in chunk order, so a given input gives the same bits on any number of threads.

enum ChebyshevKernels {
    /// Rows per chunk of the fixed reduction order (32 KiB of one column: a chunk's on-site
    /// energies stay in cache while the block's columns pass over it).
    static let chunk = 4096

    /// Runs body(lo, hi, c) for each chunk c (rows lo ..< hi of 0 ..< n), the chunks split into
    /// contiguous groups over `threads` threads.
    static func forEachChunk(rows n: Int, threads: Int, _ body: (Int, Int, Int) -> Void) {
        let chunks = (n + chunk - 1) / chunk
        let t = max(1, min(threads, chunks))
        func run(_ g: Int) {
            for c in (g * chunks / t)..<((g + 1) * chunks / t) { body(c * chunk, min(n, (c + 1) * chunk), c) }
        }
        if t == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: t) { run($0) } }
    }

    /// Sums per-chunk dots [chunk][column][2] in chunk order into [column][2].
    static func reduce(_ partial: [Double], chunks: Int, columns: Int) -> [Double] {
        var total = [Double](repeating: 0, count: 2 * columns)
        for c in 0..<chunks { for k in 0..<(2 * columns) { total[k] += partial[c * 2 * columns + k] } }
        return total
    }

    /// One recurrence step w = 2 H~ v - w (or w = H~ v when `first`) from hv = H v, with the
    /// per-column dots (<v|v>, <w|v>) when `dots`, and acc += coefficient * w when `acc` is set.
    /// See fg_cheb_combine.
    static func combine(rows n: Int, columns: Int, hv: UnsafePointer<Double>, v: UnsafePointer<Double>,
                        w: UnsafeMutablePointer<Double>, shift: Double, inverseScale: Double, first: Bool,
                        acc: UnsafeMutablePointer<Double>?, coefficient: Double, dots: Bool, threads: Int) -> [Double] {
        let chunks = (n + chunk - 1) / chunk
        var partial = [Double](repeating: 0, count: dots ? chunks * 2 * columns : 0)
        var coef = coefficient
        partial.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress
            withUnsafePointer(to: &coef) { cp in
                forEachChunk(rows: n, threads: threads) { lo, hi, c in
                    fg_cheb_combine(Int64(hi - lo), Int32(columns), Int64(n), hv + lo, v + lo, w + lo, shift, inverseScale,
                                    first ? 1 : 0, acc.map { $0 + lo }, cp, dots ? pb! + c * 2 * columns : nil)
                }
            }
        }
        return dots ? reduce(partial, chunks: chunks, columns: columns) : []
    }

    /// The C description of a lattice stencil; valid while `onsite` is.
    static func descriptor(_ s: LatticeStencil, _ onsite: UnsafePointer<Double>) -> fg_stencil {
        fg_stencil(lx: Int64(s.lattice.lx), ly: Int64(s.lattice.ly), periodic_x: s.lattice.boundaryX == .periodic ? 1 : 0,
                   periodic_y: s.lattice.boundaryY == .periodic ? 1 : 0, t1: s.t1, t2: s.t2, onsite: onsite)
    }

    /// y = H x through the stencil, rows split over `threads`.
    static func stencilApply(_ s: LatticeStencil, _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>,
                             columns: Int, threads: Int) {
        let n = s.dimension
        s.onsite.withUnsafeBufferPointer { ep in
            var d = descriptor(s, ep.baseAddress!)
            withUnsafePointer(to: &d) { dp in
                forEachChunk(rows: n, threads: threads) { lo, hi, _ in
                    fg_stencil_apply(dp, Int64(lo), Int64(hi), Int32(columns), Int64(n), x, y)
                }
            }
        }
    }

    /// The fused step (fg_stencil_cheb): H v on the fly, no hv buffer.
    static func stencilStep(_ s: LatticeStencil, columns: Int, v: UnsafePointer<Double>, w: UnsafeMutablePointer<Double>,
                            shift: Double, inverseScale: Double, first: Bool, dots: Bool, threads: Int) -> [Double] {
        let n = s.dimension
        let chunks = (n + chunk - 1) / chunk
        var partial = [Double](repeating: 0, count: dots ? chunks * 2 * columns : 0)
        let groups = max(1, min(threads, chunks))
        s.onsite.withUnsafeBufferPointer { ep in
            var d = descriptor(s, ep.baseAddress!)
            withUnsafePointer(to: &d) { dp in
                partial.withUnsafeMutableBufferPointer { pp in
                    do {
                        let pb = pp.baseAddress
                        func run(_ g: Int) {
                            for c in (g * chunks / groups)..<((g + 1) * chunks / groups) {
                                let lo = c * chunk, hi = min(n, lo + chunk)
                                fg_stencil_cheb(dp, Int64(lo), Int64(hi), Int32(columns), Int64(n), v, w, shift, inverseScale,
                                                first ? 1 : 0, dots ? pb! + c * 2 * columns : nil)
                            }
                        }
                        if groups == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: groups) { run($0) } }
                    }
                }
            }
        }
        return dots ? reduce(partial, chunks: chunks, columns: columns) : []
    }
}
