import FermiGlassModel

/// Where a stored eigenstate has its amplitudes.
public enum StateSupport: Sendable, Equatable {
    /// Every site of the lattice, in site order i = x + Lx * y (a dense column).
    case all
    /// The sites of a region of the lattice, in the region's local order l = u + width * v;
    /// the state is zero (to its discarded weight) outside.
    case region(Lattice.Region)
}

/// A set of real, normalised single-particle eigenstates H0 phi_a = xi_a phi_a, ascending in
/// xi, and the operations observables need from them. The one currency between the solvers and
/// everything downstream (IPR and L_loc, chi_ac, maxima, the ground-state problem, moment maps),
/// so that a state may be held as a dense column (``Eigenpairs``) or on the rectangle of the
/// lattice that holds its support (``LocalEigenstates``): memory then grows with the summed
/// supports, not with sites x states.
///
/// A store only has to say where each state lives (``support(of:)``) and hand out its
/// amplitudes there (``withAmplitudes(of:_:)``); every quantity has a default built on those
/// two. A store may replace a default by a faster one that gives the same numbers to rounding
/// (the dense store keeps the BLAS-3 paths, bit for bit as before).
///
/// Components dropped by a compressed store are treated as exactly zero; their weight
/// w_a = sum over dropped i of |phi_a(i)|^2 is reported by ``discardedWeight(of:)`` and bounds
/// every change compression can cause: |IPR_a - IPR'_a| <= w_a^2 + 2 w_a max_i |phi_a(i)|^2,
/// |chi_ac - chi'_ac| <= w_a max_i |phi_c(i)|^2 + w_c max_i |phi_a(i)|^2, and
/// ||H phi'_a - xi_a phi'_a|| <= ||H phi_a - xi_a phi_a|| + (||H||_2 + |xi_a|) sqrt(w_a).
public protocol EigenstateStore: Sendable {
    /// The number of lattice sites (the length of a dense state).
    var dimension: Int { get }
    /// The number of states.
    var count: Int { get }
    /// Energies xi_a, ascending (units of t1).
    var values: [Double] { get }
    /// Global 0-based level index of state 0 in the full ascending spectrum, when known.
    var firstLevel: Int? { get }
    /// The lattice the regions of ``support(of:)`` refer to (nil for a store of a bare matrix,
    /// whose supports are all `.all`).
    var lattice: Lattice? { get }
    /// Bytes held by the amplitudes and their supports.
    var bytes: Int { get }

    /// Where state `a` is stored.
    func support(of a: Int) -> StateSupport
    /// Calls `body` with the stored amplitudes of state `a`, in the order of its support.
    func withAmplitudes<R>(of a: Int, _ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R
    /// sum over the dropped sites of |phi_a(i)|^2 (0 when nothing was dropped).
    func discardedWeight(of a: Int) -> Double

    /// IPR_a = sum_i |phi_a(i)|^4 for every state (CONVENTIONS.md §2).
    func ipr() -> [Double]
    /// For every state, the site where |phi_a(i)| is largest (the lowest site index on an exact tie).
    func maximumSites() -> [Int]
    /// sum_a w_a |phi_a(i)|^2 per site, over the states with w_a != 0 (in state order).
    func weightedDensity(_ weights: [Double]) -> [Double]
    /// sum_i |phi_a(i)|^2 f(i) for every state: the expectation of a site function.
    func densityProjection(_ f: [Double]) -> [Double]
    /// ||H phi_a - xi_a phi_a||_2 for every state, with phi_a as stored (dropped components 0).
    func residuals(of h: CSRMatrix) -> [Double]
    /// max_{a,b} |<phi_a|phi_b> - delta_ab| over the stored states (NaN when empty).
    func maxOrthogonalityError() -> Double
}

extension EigenstateStore {
    /// Calls `body(site, amplitude)` for every stored component of state `a`, in support order.
    @inlinable
    public func forEachComponent(of a: Int, _ body: (Int, Double) throws -> Void) rethrows {
        let s = support(of: a)
        try withAmplitudes(of: a) { x in
            switch s {
            case .all:
                for i in 0..<x.count { try body(i, x[i]) }
            case .region(let r):
                // Row by row: the wrap is one comparison per row and per column, no division.
                let l = lattice!
                var k = 0
                for v in 0..<r.height {
                    var y = r.y0 + v
                    if y >= l.ly { y -= l.ly }
                    let rowBase = l.lx * y
                    for u in 0..<r.width {
                        var xx = r.x0 + u
                        if xx >= l.lx { xx -= l.lx }
                        try body(rowBase + xx, x[k])
                        k += 1
                    }
                }
            }
        }
    }

    /// The global site indices of state `a`'s support, in support order.
    public func sites(of a: Int) -> [Int] {
        switch support(of: a) {
        case .all: return Array(0..<dimension)
        case .region(let r): return lattice!.sites(of: r)
        }
    }

    /// Number of sites in state `a`'s support.
    public func supportSize(of a: Int) -> Int { withAmplitudes(of: a) { $0.count } }

    /// State `a` as a dense column of length ``dimension`` (dropped components 0).
    public func denseColumn(_ a: Int) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        forEachComponent(of: a) { i, x in out[i] = x }
        return out
    }

    /// The states as one sites x states sparse matrix in compressed-column form: column a holds
    /// state a's stored components with their sites ascending (scipy.sparse's CSC layout).
    public func compressedColumns() -> (indptr: [Int], indices: [Int], data: [Double]) {
        var indptr = [0], indices = [Int](), data = [Double]()
        for a in 0..<count {
            var column = [(Int, Double)]()
            column.reserveCapacity(supportSize(of: a))
            forEachComponent(of: a) { i, x in column.append((i, x)) }
            column.sort { $0.0 < $1.0 }
            for (i, x) in column { indices.append(i); data.append(x) }
            indptr.append(indices.count)
        }
        return (indptr, indices, data)
    }

    /// The bytes the same states take as dense columns (8 x sites x states).
    public var denseBytes: Int { 8 * dimension * count }

    /// The largest discarded weight over the states (0 when empty).
    public var maxDiscardedWeight: Double { (0..<count).map { discardedWeight(of: $0) }.max() ?? 0 }

    /// The largest residual over the states (NaN when empty).
    public func maxResidual(of h: CSRMatrix) -> Double { residuals(of: h).max() ?? .nan }

    public func ipr() -> [Double] {
        (0..<count).map { a in
            withAmplitudes(of: a) { x in
                var s = 0.0
                for i in 0..<x.count { let p = x[i] * x[i]; s += p * p }
                return s
            }
        }
    }

    public func maximumSites() -> [Int] {
        (0..<count).map { a in
            var best = Int.max, bestValue = -1.0
            forEachComponent(of: a) { i, x in
                let v = abs(x)
                if v > bestValue || (v == bestValue && i < best) { bestValue = v; best = i }
            }
            return best
        }
    }

    public func weightedDensity(_ weights: [Double]) -> [Double] {
        precondition(weights.count == count, "\(weights.count) weights for \(count) states")
        var d = [Double](repeating: 0, count: dimension)
        for a in 0..<count where weights[a] != 0 {
            let w = weights[a]
            forEachComponent(of: a) { i, x in d[i] += w * (x * x) }
        }
        return d
    }

    public func densityProjection(_ f: [Double]) -> [Double] {
        precondition(f.count == dimension, "a site function of \(f.count) values on \(dimension) sites")
        return (0..<count).map { a in
            var s = 0.0
            forEachComponent(of: a) { i, x in s += (x * x) * f[i] }
            return s
        }
    }

    /// The residual of each state from the rows of H that touch its support: y = H phi is
    /// accumulated column by column (H symmetric: row j gives column j) into a scratch vector
    /// that is cleared again on the touched sites only, so a state costs O(support), not O(sites).
    public func residuals(of h: CSRMatrix) -> [Double] {
        precondition(h.rowCount == dimension, "a \(h.rowCount)-site Hamiltonian for states of \(dimension) sites")
        var y = [Double](repeating: 0, count: dimension)
        var touched = [Bool](repeating: false, count: dimension)
        var list = [Int]()
        return (0..<count).map { a in
            let e = values[a]
            list.removeAll(keepingCapacity: true)
            forEachComponent(of: a) { j, x in
                if !touched[j] { touched[j] = true; list.append(j) }
                y[j] -= e * x
                for k in h.rowPointers[j]..<h.rowPointers[j + 1] {
                    let i = Int(h.columnIndices[k])
                    if !touched[i] { touched[i] = true; list.append(i) }
                    y[i] += h.values[k] * x
                }
            }
            var s = 0.0
            for i in list { s += y[i] * y[i]; y[i] = 0; touched[i] = false }
            return s.squareRoot()
        }
    }

    /// Pairs whose supports do not meet are orthogonal as stored and are skipped.
    public func maxOrthogonalityError() -> Double {
        guard count > 0 else { return .nan }
        var worst = 0.0
        var scratch = [Double](repeating: 0, count: dimension)
        for a in 0..<count {
            forEachComponent(of: a) { i, x in scratch[i] = x }
            for b in a..<count where supportsMeet(a, b) {
                var s = 0.0
                forEachComponent(of: b) { i, x in s += scratch[i] * x }
                worst = max(worst, abs(s - (a == b ? 1 : 0)))
            }
            forEachComponent(of: a) { i, _ in scratch[i] = 0 }
        }
        return worst
    }

    /// True when states `a` and `b` can share a site.
    public func supportsMeet(_ a: Int, _ b: Int) -> Bool {
        switch (support(of: a), support(of: b)) {
        case (.region(let r), .region(let s)): return lattice!.intersects(r, s)
        default: return true
        }
    }
}
