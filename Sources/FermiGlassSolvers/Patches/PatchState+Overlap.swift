import FermiGlassModel

/// Overlaps of states held on rectangles, computed on the intersection of the two rectangles
/// only (row runs of contiguous amplitudes on both sides), and the orthogonality check of a
/// window of patch states that skips the pairs the residuals already bound.
///
/// For two states with Rayleigh quotients E_a, E_b and residuals r_a = ||H phi_a - E_a phi_a||,
/// r_b on the whole lattice's H, <phi_a|H|phi_b> read both ways gives
///
///     (E_a - E_b) <phi_a|phi_b> = <phi_a|r_b> - <r_a|phi_b>,
///     |<phi_a|phi_b>| <= (r_a ||phi_b|| + r_b ||phi_a||) / |E_a - E_b|,
///
/// so a pair whose bound is already within the orthogonality tolerance needs no overlap: the
/// certificate (CONVENTIONS.md §5 (c)) holds for it by this inequality.
enum RectangleOverlap {
    /// Runs of common positions along one direction: (start in a, start in b, length), at most
    /// two (a run may wrap around a periodic direction once). Positions of a are a0 + u, of b
    /// b0 + w, on a circle of `extent` sites (an open direction never wraps, and the same
    /// arithmetic is exact there).
    @inline(__always)
    static func runs(_ a0: Int, _ aw: Int, _ b0: Int, _ bw: Int, _ extent: Int) -> ((Int, Int, Int), (Int, Int, Int)) {
        let d = ((a0 - b0) % extent + extent) % extent
        // u in [0, extent - d): w = u + d.
        let first = max(0, min(aw, extent - d, bw - d))
        // u in [extent - d, aw): w = u + d - extent.
        let second = d > 0 ? max(0, min(aw, bw + extent - d) - (extent - d)) : 0
        return ((0, d, first), (extent - d, 0, second))
    }

    /// <phi|psi> for phi with amplitudes `a` on `ra` and psi with `b` on `rb` (local order
    /// u + width v), zero off their rectangles. O(|ra ∩ rb|).
    static func overlap(_ lattice: Lattice, _ ra: Lattice.Region, _ a: [Double], _ rb: Lattice.Region, _ b: [Double]) -> Double {
        let (x1, x2) = runs(ra.x0, ra.width, rb.x0, rb.width, lattice.lx)
        let (y1, y2) = runs(ra.y0, ra.height, rb.y0, rb.height, lattice.ly)
        if x1.2 + x2.2 == 0 || y1.2 + y2.2 == 0 { return 0 }
        var s0 = 0.0, s1 = 0.0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for k in 0..<2 {
                    let y = k == 0 ? y1 : y2
                    for t in 0..<y.2 {
                        let rowA = (y.0 + t) * ra.width, rowB = (y.1 + t) * rb.width
                        for l in 0..<2 {
                            let x = l == 0 ? x1 : x2
                            var i = rowA + x.0, j = rowB + x.1
                            let end = i + x.2
                            // Two accumulators: a fixed order, so the same bits every run.
                            while i + 1 < end {
                                s0 += pa[i] * pb[j]
                                s1 += pa[i + 1] * pb[j + 1]
                                i += 2; j += 2
                            }
                            if i < end { s0 += pa[i] * pb[j] }
                        }
                    }
                }
            }
        }
        return s0 + s1
    }
}

extension PatchRun {
    /// max |<phi_a|phi_b> - delta_ab| over `states` (ascending energy), computed exactly for
    /// every pair whose rectangles meet and whose residual bound (see ``RectangleOverlap``)
    /// exceeds tol'; every other pair is within tol' by that bound, so the certificate's
    /// orthogonality condition is decided exactly. Pairs are visited by energy (a pair farther
    /// apart than (r_a + r_max) / tol' cannot need an overlap), so the work is
    /// O(states x the states within that energy reach whose rectangles meet x their intersection).
    func maxOrthogonalityError(_ states: [PatchState]) -> Double {
        let n = states.count
        guard n > 0 else { return 0 }
        let norms = states.map { s in s.amplitudes.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let maxResidual = states.map(\.residual).max() ?? 0, maxNorm = norms.max() ?? 1
        let threshold = orthogonalityTolerance
        var worst = 0.0
        for a in 0..<n {
            worst = max(worst, abs(norms[a] * norms[a] - 1))
            let reach = (states[a].residual * maxNorm + maxResidual * norms[a]) / threshold
            var b = a + 1
            while b < n, states[b].value - states[a].value <= reach {
                let gap = states[b].value - states[a].value
                let numerator = states[a].residual * norms[b] + states[b].residual * norms[a]
                if gap <= 0 || numerator > threshold * gap, lattice.intersects(states[a].region, states[b].region) {
                    let o = RectangleOverlap.overlap(lattice, states[a].region, states[a].amplitudes, states[b].region, states[b].amplitudes)
                    worst = max(worst, abs(o))
                }
                b += 1
            }
        }
        return worst
    }
}
