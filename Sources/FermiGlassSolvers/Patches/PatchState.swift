import FermiGlassModel

/// A state found on a patch, on its way into the window (part of a checkpoint or worker
/// record): amplitudes on a rectangle of the lattice, its energy as the Rayleigh quotient E = <phi|H|phi> / <phi|phi> of the whole
/// lattice's H (error O(residual^2 / gap) for an isolated level), and its residual
/// ||H phi - E phi|| on the whole lattice, phi as stored.
public struct PatchState: Codable, Sendable {
    public var value: Double
    public var region: Lattice.Region
    public var amplitudes: [Double]
    public var discarded: Double
    public var residual: Double
    /// The patch that found it (-1: a re-solve or a Rayleigh-Ritz rotation).
    public var patch: Int
    /// The pass that produced it (1: the patches, 2: re-solves and rotations).
    public var pass: Int
    /// The site of its largest |phi|^2 (lowest site index on a tie).
    public var maxSite: Int
    /// True when the maximum lies in the interior of the patch that found it.
    public var owned: Bool
}

/// Sparse algebra of states held on rectangles, against the whole lattice's H, in O(support)
/// per state: scratch vectors of the lattice's size are filled on the touched sites only and
/// cleared again there.
public struct LocalAlgebra {
    let h: CSRMatrix
    let lattice: Lattice
    private var x: [Double]
    private var y: [Double]
    private var touched: [Bool]
    private var list: [Int] = []

    public init(h: CSRMatrix, lattice: Lattice) {
        self.h = h
        self.lattice = lattice
        x = [Double](repeating: 0, count: h.rowCount)
        y = x
        touched = [Bool](repeating: false, count: h.rowCount)
    }

    /// E = <phi|H|phi> / <phi|phi> and ||H phi - E phi|| for phi given on `region`
    /// (zero elsewhere).
    mutating func rayleigh(_ region: Lattice.Region, _ a: [Double]) -> (value: Double, residual: Double) {
        list.removeAll(keepingCapacity: true)
        var norm2 = 0.0
        for k in 0..<a.count {
            let j = lattice.globalSite(k, in: region)
            let v = a[k]
            norm2 += v * v
            if !touched[j] { touched[j] = true; list.append(j) }
            x[j] = v
            for p in h.rowPointers[j]..<h.rowPointers[j + 1] {
                let i = Int(h.columnIndices[p])
                if !touched[i] { touched[i] = true; list.append(i) }
                y[i] += h.values[p] * v
            }
        }
        var xhx = 0.0
        for i in list { xhx += x[i] * y[i] }
        let e = norm2 > 0 ? xhx / norm2 : 0
        var r2 = 0.0
        for i in list {
            let d = y[i] - e * x[i]
            r2 += d * d
            x[i] = 0; y[i] = 0; touched[i] = false
        }
        return (e, r2.squareRoot())
    }

    /// <phi|psi> for two states on rectangles (0 when the rectangles do not meet).
    mutating func overlap(_ ra: Lattice.Region, _ a: [Double], _ rb: Lattice.Region, _ b: [Double]) -> Double {
        RectangleOverlap.overlap(lattice, ra, a, rb, b)
    }

    mutating func overlap(_ a: PatchState, _ b: PatchState) -> Double {
        overlap(a.region, a.amplitudes, b.region, b.amplitudes)
    }
}

extension PatchState {
    /// The state with amplitudes `x` on `patch` (local order), kept on the smallest rectangle
    /// of the patch outside which it has at most `budget` of its weight (the compression of
    /// ``LocalEigenstates``, applied on the patch), its energy and residual from `algebra`.
    static func make(_ x: [Double], on patch: Lattice.Region, budget: Double,
                     algebra: inout LocalAlgebra, patchIndex: Int, pass: Int, maxSite: Int, owned: Bool) -> PatchState {
        let lattice = algebra.lattice
        var region = patch, amplitudes = x, dropped = 0.0
        if budget > 0 {
            let local = try! Lattice(lx: patch.width, ly: patch.height, boundaryX: patch.periodicX ? .periodic : .open,
                                     boundaryY: patch.periodicY ? .periodic : .open)
            var compressor = Compressor(lattice: local)
            let (r, w) = x.withUnsafeBufferPointer { compressor.region(for: $0, maxDiscardedWeight: budget) }
            if r.siteCount < patch.siteCount {
                region = try! lattice.region(x0: patch.x0 + r.x0, y0: patch.y0 + r.y0, width: r.width, height: r.height)
                amplitudes = (0..<r.siteCount).map { x[local.globalSite($0, in: r)] }
                dropped = w
            }
        }
        let (e, res) = algebra.rayleigh(region, amplitudes)
        return PatchState(value: e, region: region, amplitudes: amplitudes, discarded: dropped, residual: res,
                          patch: patchIndex, pass: pass, maxSite: maxSite, owned: owned)
    }

    /// The site of the largest |phi|^2 of amplitudes on `region` (lowest site index on a tie).
    static func maximumSite(_ x: [Double], on region: Lattice.Region, lattice: Lattice) -> Int {
        var best = Int.max, bestValue = -1.0
        for l in 0..<x.count {
            let p = x[l] * x[l]
            if p >= bestValue {
                let g = lattice.globalSite(l, in: region)
                if p > bestValue || g < best { bestValue = p; best = g }
            }
        }
        return best
    }
}
