/// chi_ac among window states kept as a sparse symmetric matrix (CSR, both triangles, columns
/// ascending per row, the diagonal IPR_a always stored). This is how a ``GroundStateProblem``
/// holds chi: from a dense table every nonzero entry is kept (exact), from compressed local
/// states only the pairs whose supports meet (O(window) pairs; the rest is zero as stored).
/// A threshold drops the entries with chi_ac <= threshold (the diagonal stays).
public struct SparseOverlap: Sendable {
    public let count: Int
    public let threshold: Double
    public let rowPointers: [Int]
    public let columns: [Int32]
    public let values: [Double]

    /// From CSR parts (symmetric, both triangles, columns ascending per row, diagonal present).
    public init(count: Int, rowPointers: [Int], columns: [Int32], values: [Double], threshold: Double = 0) {
        precondition(rowPointers.count == count + 1 && columns.count == values.count && rowPointers.last == values.count,
                     "CSR parts of a \(count) x \(count) overlap do not match")
        self.count = count
        self.threshold = threshold
        self.rowPointers = rowPointers
        self.columns = columns
        self.values = values
    }

    /// From a dense k x k column-major table: entry (a, c) is `chi[a + c * k]`; kept when
    /// c == a or chi_ac > threshold (threshold 0 keeps every nonzero entry and is exact).
    public init(dense chi: [Double], count k: Int, threshold: Double = 0) {
        precondition(chi.count == k * k, "chi must be \(k) x \(k)")
        var ptr = [0], cols = [Int32](), vals = [Double]()
        for a in 0..<k {
            for c in 0..<k {
                let v = chi[a + c * k]
                if c == a || v > threshold { cols.append(Int32(c)); vals.append(v) }
            }
            ptr.append(cols.count)
        }
        self.init(count: k, rowPointers: ptr, columns: cols, values: vals, threshold: threshold)
    }

    /// The problem's chi with the entries <= threshold dropped (the diagonal kept); threshold 0
    /// returns it as stored.
    public init(_ problem: GroundStateProblem, threshold: Double = 0) {
        self = problem.overlap.truncated(threshold)
    }

    /// This matrix without the off-diagonal entries <= threshold.
    public func truncated(_ t: Double) -> SparseOverlap {
        guard t > threshold else { return self }
        var ptr = [0], cols = [Int32](), vals = [Double]()
        ptr.reserveCapacity(count + 1)
        for a in 0..<count {
            for j in rowPointers[a]..<rowPointers[a + 1] where Int(columns[j]) == a || values[j] > t {
                cols.append(columns[j]); vals.append(values[j])
            }
            ptr.append(cols.count)
        }
        return SparseOverlap(count: count, rowPointers: ptr, columns: cols, values: vals, threshold: t)
    }

    /// IPR_a = chi_aa (the stored diagonal).
    public var diagonal: [Double] { (0..<count).map { value($0, $0) } }

    /// The dense k x k column-major table (zero where nothing is stored): O(k^2), for small
    /// windows and tests only.
    public func dense() -> [Double] {
        var g = [Double](repeating: 0, count: count * count)
        for a in 0..<count { for j in rowPointers[a]..<rowPointers[a + 1] { g[a + Int(columns[j]) * count] = values[j] } }
        return g
    }

    public var nonzeroCount: Int { values.count }

    /// chi_ab as stored (0 if dropped), by binary search in row a.
    @inlinable public func value(_ a: Int, _ b: Int) -> Double {
        var lo = rowPointers[a], hi = rowPointers[a + 1]
        let target = Int32(b)
        while lo < hi {
            let mid = (lo + hi) >> 1
            let c = columns[mid]
            if c == target { return values[mid] }
            if c < target { lo = mid + 1 } else { hi = mid }
        }
        return 0
    }
}

/// A slot: level `level` (window index) with spin `spin` (0 = up, 1 = down).
public struct Slot: Sendable, Equatable, Hashable {
    public var level: Int
    public var spin: Int
    public init(_ level: Int, _ spin: Int) { self.level = level; self.spin = spin }
}

/// Incremental bookkeeping of the first-order energy (Eq. 13) of one configuration.
///
/// With the local fields F_up(a) = sum_c chi_ac n_c,dn (felt by an up particle in a) and
/// F_dn(a) = sum_c chi_ac n_c,up, and e_a = xi_a + U coreShift_a, moving one particle from slot
/// (a, s) to slot (b, t) changes E1 by
///
///     same spin (s = t, a != b):  e_b - e_a + U (F_s(b) - F_s(a))
///     spin change (s != t):       e_b - e_a + U (F_t(b) - F_s(a) - chi_ab)
///
/// (a = b is a same-level spin flip). Evaluating a move is O(1) (O(log) for the chi_ab lookup);
/// applying it updates the fields along the rows a and b of the sparse chi, O(neighbours).
public struct EnergyState: Sendable {
    public let U: Double
    public let chi: SparseOverlap
    public internal(set) var occupations: Occupations
    /// The energy E1 as bookkept incrementally (relative to the exact one by rounding only when
    /// chi is complete; with a threshold it is the E1 of the truncated chi).
    public private(set) var energy: Double
    /// e_a = xi_a + U coreShift_a.
    public let onsite: [Double]
    /// fields[s][a]: F_s(a).
    var fieldUp: [Double]
    var fieldDn: [Double]
    /// Moves below -tolerance count as improvements: 1e-12 times the energy scale
    /// max_a |e_a| + |U| max_a IPR_a.
    public let tolerance: Double

    public init(problem: GroundStateProblem, U: Double, chi: SparseOverlap, start: Occupations) {
        precondition(start.count == problem.count && start.particles == problem.particles,
                     "start configuration must have \(problem.particles) particles on \(problem.count) levels")
        self.U = U
        self.chi = chi
        occupations = start
        let k = problem.count
        onsite = (0..<k).map { problem.xi[$0] + U * problem.coreShift[$0] }
        var maxE = 0.0, maxIPR = 0.0
        for a in 0..<k { maxE = max(maxE, abs(onsite[a])); maxIPR = max(maxIPR, chi.value(a, a)) }
        tolerance = 1e-12 * max(maxE + abs(U) * maxIPR, Double.leastNormalMagnitude)
        fieldUp = [Double](repeating: 0, count: k)
        fieldDn = [Double](repeating: 0, count: k)
        var e = problem.coreBandEnergy + U * problem.coreSelfOverlap
        for a in 0..<k {
            e += onsite[a] * Double(Int(start.up[a]) + Int(start.dn[a]))
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] {
                let c = Int(chi.columns[j])
                let v = chi.values[j]
                if start.dn[c] == 1 { fieldUp[a] += v }
                if start.up[c] == 1 { fieldDn[a] += v }
            }
        }
        for a in 0..<k where start.up[a] == 1 { e += U * fieldUp[a] }
        energy = e
    }

    /// True when slot `s` holds a particle.
    @inlinable public func occupied(_ s: Slot) -> Bool {
        s.spin == 0 ? occupations.up[s.level] == 1 : occupations.dn[s.level] == 1
    }

    /// The energy change of moving the particle in `from` (occupied) to `to` (empty).
    public func delta(from: Slot, to: Slot) -> Double {
        let a = from.level, b = to.level
        let fa = from.spin == 0 ? fieldUp[a] : fieldDn[a]
        if from.spin == to.spin {
            let fb = from.spin == 0 ? fieldUp[b] : fieldDn[b]
            return onsite[b] - onsite[a] + U * (fb - fa)
        }
        let fb = to.spin == 0 ? fieldUp[b] : fieldDn[b]
        return onsite[b] - onsite[a] + U * (fb - fa - chi.value(a, b))
    }

    /// Moves the particle and updates the energy by `delta` (pass the value from
    /// ``delta(from:to:)`` for the same move).
    public mutating func apply(from: Slot, to: Slot, delta: Double) {
        precondition(occupied(from) && !occupied(to), "move from an empty slot or to a full one")
        remove(from)
        add(to)
        energy += delta
    }

    /// Moves the particle, computing the change.
    public mutating func apply(from: Slot, to: Slot) {
        apply(from: from, to: to, delta: delta(from: from, to: to))
    }

    private mutating func remove(_ s: Slot) {
        let a = s.level
        if s.spin == 0 {
            occupations.up[a] = 0
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] { fieldDn[Int(chi.columns[j])] -= chi.values[j] }
        } else {
            occupations.dn[a] = 0
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] { fieldUp[Int(chi.columns[j])] -= chi.values[j] }
        }
    }

    private mutating func add(_ s: Slot) {
        let a = s.level
        if s.spin == 0 {
            occupations.up[a] = 1
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] { fieldDn[Int(chi.columns[j])] += chi.values[j] }
        } else {
            occupations.dn[a] = 1
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] { fieldUp[Int(chi.columns[j])] += chi.values[j] }
        }
    }
}
