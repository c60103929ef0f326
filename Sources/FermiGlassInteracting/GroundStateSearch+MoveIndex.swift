/// The default minimizer's view of a configuration: ``EnergyState`` plus, per spin, a min-tree
/// over the levels of g_s(b) = e_b + U F_s(b) for the empty slots (b, s) (+inf when occupied),
/// so the best move of one particle is found without scanning the window.
///
/// Moving the particle in (a, s) to an empty (b, t) changes E1 by (``EnergyState``)
///
///     t = s:   g_s(b) - g_s(a)
///     t != s:  g_t(b) - g_s(a) - U chi_ab,
///
/// and chi_ab is nonzero only for the partners b of a stored in the sparse chi (supports that
/// meet). So the best target is the smallest of: the same-spin tree minimum; the exact change
/// to every partner b of a (spin t != s); and the minimum of g_t over the non-partners (the
/// tree's minimum, or, when that is a partner, the minimum with the partners masked). Cost
/// O((partners + 1) log k) per particle instead of O(k); an applied move updates the leaves of
/// the rows a and b of chi, O(partners log k). Every change is then evaluated exactly by
/// ``EnergyState/delta(from:to:)``, and ties go to the lowest (level, spin) as in a scan over
/// the window in ascending order.
///
/// When chi is dense (more than k^2 / 8 stored entries: every pair meets, as on small lattices)
/// the trees cost more than they save (each applied move would refresh 2k leaves), and the
/// state scans every slot instead; both modes make the same choices.
struct IndexedState {
    var state: EnergyState
    private var trees: [MinTree]
    /// Full scans instead of trees (dense chi).
    let scan: Bool

    init(_ state: EnergyState, mode: LocalSearchMinimizer.MoveSearch = .automatic) {
        self.state = state
        let k = state.occupations.count
        switch mode {
        case .automatic: scan = state.chi.nonzeroCount * 8 > k * k
        case .trees: scan = false
        case .scan: scan = true
        }
        trees = scan ? [] : (0..<2).map { s in MinTree((0..<k).map { Self.g(state, $0, s) }) }
    }

    /// Every empty slot's change, levels ascending, up before down.
    private func allTargets(from: Slot) -> [(Slot, Double)] {
        var out = [(Slot, Double)]()
        for b in 0..<state.occupations.count {
            for t in 0..<2 where !state.occupied(Slot(b, t)) { out.append((Slot(b, t), state.delta(from: from, to: Slot(b, t)))) }
        }
        return out
    }

    static func g(_ st: EnergyState, _ b: Int, _ s: Int) -> Double {
        if st.occupied(Slot(b, s)) { return .infinity }
        return st.onsite[b] + st.U * (s == 0 ? st.fieldUp[b] : st.fieldDn[b])
    }

    var energy: Double { state.energy }
    var tolerance: Double { state.tolerance }
    var occupations: Occupations { state.occupations }

    /// Applies the move and refreshes the leaves whose fields or occupation changed.
    mutating func apply(from: Slot, to: Slot, delta: Double) {
        state.apply(from: from, to: to, delta: delta)
        if scan { return }
        refresh(row: from.level)
        refresh(row: to.level)
    }

    private mutating func refresh(row a: Int) {
        let chi = state.chi
        for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] {
            let b = Int(chi.columns[j])
            for s in 0..<2 { trees[s].set(b, Self.g(state, b, s)) }
        }
    }

    /// The lowest-change move of the particle in `from` over every empty slot (no floor), ties
    /// to the lowest (level, spin).
    mutating func bestTarget(from: Slot) -> (Slot, Double)? {
        var best: (Slot, Double)? = nil
        func consider(_ to: Slot, _ d: Double) {
            if let (t, v) = best {
                if d < v || (d == v && (to.level, to.spin) < (t.level, t.spin)) { best = (to, d) }
            } else { best = (to, d) }
        }
        if scan {
            for (to, d) in allTargets(from: from) { consider(to, d) }
            return best
        }
        let s = from.spin, t = 1 - s, a = from.level
        if let b = trees[s].argmin { consider(Slot(b, s), state.delta(from: from, to: Slot(b, s))) }
        let chi = state.chi
        let row = chi.rowPointers[a]..<chi.rowPointers[a + 1]
        for j in row {
            let b = Int(chi.columns[j])
            if !state.occupied(Slot(b, t)) { consider(Slot(b, t), state.delta(from: from, to: Slot(b, t))) }
        }
        if let b = trees[t].argmin {
            if !Self.isPartner(chi, a, b) {
                consider(Slot(b, t), state.delta(from: from, to: Slot(b, t)))
            } else {
                // The tree's minimum is a partner: mask the partners, read the rest, restore.
                for j in row { trees[t].set(Int(chi.columns[j]), .infinity) }
                if let c = trees[t].argmin { consider(Slot(c, t), state.delta(from: from, to: Slot(c, t))) }
                for j in row { let b = Int(chi.columns[j]); trees[t].set(b, Self.g(state, b, t)) }
            }
        }
        return best
    }

    /// The moves of the particle in `from` that can be among the `m` lowest changes of all
    /// moves: to every partner (other spin) and the m lowest-g non-partner slots of each spin.
    mutating func candidateTargets(from: Slot, m: Int) -> [(Slot, Double)] {
        if scan { return allTargets(from: from) }
        var out = [(Slot, Double)]()
        let s = from.spin, t = 1 - s, a = from.level
        let chi = state.chi
        let row = chi.rowPointers[a]..<chi.rowPointers[a + 1]
        for j in row {
            let b = Int(chi.columns[j])
            if !state.occupied(Slot(b, t)) { out.append((Slot(b, t), state.delta(from: from, to: Slot(b, t)))) }
        }
        for spin in [s, t] {
            var masked = [Int]()
            if spin == t { for j in row { let b = Int(chi.columns[j]); trees[t].set(b, .infinity); masked.append(b) } }
            for _ in 0..<m {
                guard let b = trees[spin].argmin else { break }
                out.append((Slot(b, spin), state.delta(from: from, to: Slot(b, spin))))
                trees[spin].set(b, .infinity)
                masked.append(b)
            }
            for b in masked { trees[spin].set(b, Self.g(state, b, spin)) }
        }
        return out
    }

    static func isPartner(_ chi: SparseOverlap, _ a: Int, _ b: Int) -> Bool {
        var lo = chi.rowPointers[a], hi = chi.rowPointers[a + 1]
        let target = Int32(b)
        while lo < hi {
            let mid = (lo + hi) >> 1
            if chi.columns[mid] == target { return true }
            if chi.columns[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return false
    }
}

/// A complete binary tree of minima over k values (leftmost on ties); +inf leaves are empty.
struct MinTree {
    private var size: Int
    private var value: [Double]
    private var index: [Int32]

    init(_ leaves: [Double]) {
        var size = 1
        while size < max(leaves.count, 1) { size <<= 1 }
        self.size = size
        value = [Double](repeating: .infinity, count: 2 * size)
        index = [Int32](repeating: -1, count: 2 * size)
        for (i, v) in leaves.enumerated() { value[size + i] = v; index[size + i] = Int32(i) }
        for i in stride(from: size - 1, through: 1, by: -1) { pull(i) }
    }

    private mutating func pull(_ i: Int) {
        let l = 2 * i, r = l + 1
        if value[r] < value[l] { value[i] = value[r]; index[i] = index[r] } else { value[i] = value[l]; index[i] = index[l] }
    }

    mutating func set(_ leaf: Int, _ v: Double) {
        var i = size + leaf
        if value[i] == v { return }
        value[i] = v
        i >>= 1
        while i >= 1 { pull(i); i >>= 1 }
    }

    /// The leftmost leaf of the smallest finite value, nil when every leaf is +inf.
    var argmin: Int? { value[1] < .infinity ? Int(index[1]) : nil }
}

/// Occupied and empty slots (2 level + spin) in ascending order with O(log k) rank selection
/// (a Fenwick tree of occupation counts): the restarts' random kicks draw "the j-th occupied
/// slot" exactly as from a list of the slots in order, without building the list.
struct SlotRanks {
    private var tree: [Int]
    private let n: Int
    private(set) var occupiedCount = 0

    init(_ o: Occupations) {
        n = 2 * o.count
        tree = [Int](repeating: 0, count: n + 1)
        for a in 0..<o.count {
            if o.up[a] == 1 { add(2 * a, 1) }
            if o.dn[a] == 1 { add(2 * a + 1, 1) }
        }
    }

    var emptyCount: Int { n - occupiedCount }

    mutating func add(_ slot: Int, _ d: Int) {
        occupiedCount += d
        var i = slot + 1
        while i <= n { tree[i] += d; i += i & (-i) }
    }

    /// The j-th (0-based) occupied slot, or empty slot when `occupied` is false.
    func select(_ j: Int, occupied: Bool) -> Slot {
        var pos = 0, remaining = j + 1
        var step = 1
        while step << 1 <= n { step <<= 1 }
        while step > 0 {
            let next = pos + step
            if next <= n {
                let c = occupied ? tree[next] : step - tree[next]
                if c < remaining { pos = next; remaining -= c }
            }
            step >>= 1
        }
        return Slot(pos / 2, pos % 2)
    }
}
