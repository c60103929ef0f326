import FermiGlassModel

/// Spectrum slicing: a window holding more levels than one Lanczos run should deliver is split
/// at inertia-measured energies (Sylvester counts) into slices of at most
/// ``ShiftInvertOptions/sliceCapacity`` levels, each solved by one shift-invert run at its
/// centre and certified against its counts; level ranges are turned into energy windows by a
/// safeguarded search on the counts.
extension ShiftInvertSolver {
    struct Slice { var lower: Double; var lowerCount: Int; var upper: Double; var upperCount: Int }

    /// Splits [a, b) at inertia-measured energies until every slice holds at most
    /// sliceCapacity levels (or cannot be split further: a degenerate cluster).
    func plan(_ a: Double, _ ca: Int, _ b: Double, _ cb: Int) throws -> [Slice] {
        let m = cb - ca
        if m == 0 { return [] }
        if m <= options.sliceCapacity || b - a <= 1e-9 * scale { return [Slice(lower: a, lowerCount: ca, upper: b, upperCount: cb)] }
        let pieces = (m + options.sliceCapacity - 1) / options.sliceCapacity
        let e = a + (b - a) * Double(pieces / 2) / Double(pieces)
        let c = try count(below: e)
        guard c.energy > a, c.energy < b else { return [Slice(lower: a, lowerCount: ca, upper: b, upperCount: cb)] }
        return try plan(a, ca, c.energy, c.count) + plan(c.energy, c.count, b, cb)
    }

    /// One slice: a Lanczos run at the slice centre for its levels plus a guard of extra
    /// pairs, filtered to the slice and certified against the inertia counts.
    func solveSlice(_ s: Slice) throws -> Eigenpairs {
        let m = s.upperCount - s.lowerCount
        let guardPairs = max(4, m / 8)
        let nev = min(dimension - 1, options.forcedSliceCount ?? (m + guardPairs))
        let sigma = try krylovShift(at: 0.5 * (s.lower + s.upper))
        let all = try lanczos(sigma: sigma, nev: nev)
        let keep = all.values.indices.filter { all.values[$0] >= s.lower && all.values[$0] < s.upper }
        guard keep.count == m else {
            throw SolverError.incompleteWindow(
                expected: m, found: keep.count,
                message: "the slice [\(s.lower), \(s.upper)) holds \(m) levels by inertia (Sylvester count), but the Lanczos run at sigma = \(sigma) with \(nev) pairs returned \(keep.count) of them; the window is incomplete. Lower the slice capacity or raise the count per solve")
        }
        guard let first = keep.first else { return Eigenpairs(values: [], vectors: [], dimension: dimension) }
        return all.subset(first..<(first + keep.count))
    }

    /// An energy e whose inertia count is within `slack` of `target`: count(e) in
    /// [target - slack, target] from below, [target, target + slack] from above. Safeguarded
    /// regula falsi on the counts already measured (alternating with bisection).
    func energy(atCount target: Int, slack: Int, fromBelow: Bool) throws -> Double {
        let n = dimension
        if fromBelow && target == 0 { return -scale * (1 + 1e-9) - 1e-300 }
        if !fromBelow && target == n { return scale * (1 + 1e-9) + 1e-300 }
        // Tightest known bracket: (eL, cL) below the goal, (eR, cR) above.
        var eL = -scale * (1 + 1e-9) - 1e-300, cL = 0, eR = scale * (1 + 1e-9) + 1e-300, cR = n
        let goal = Self.countGoal(target: target, slack: slack, fromBelow: fromBelow)
        let accept: (Int) -> Bool = fromBelow ? { $0 <= target && $0 >= target - slack } : { $0 >= target && $0 <= target + slack }
        // The counts measured so far, by energy: the choice must not depend on the dictionary's
        // per-process order (Swift seeds hashing per process), or two identical runs could cut
        // their slices at different energies.
        let cached = counts.sorted { $0.key < $1.key }.map { (energy: $0.key, count: $0.value) }
        if let e = Self.acceptedEnergy(cached, target: target, slack: slack, fromBelow: fromBelow) { return e }
        for (e, c) in cached {
            if Double(c) < goal, e > eL { eL = e; cL = c }
            if Double(c) > goal, e < eR { eR = e; cR = c }
        }
        // Regula falsi on the (nearly linear, locally) count; bisect after two moves of the same
        // end in a row (Illinois-style safeguard), so the bracket at least halves every 3 steps.
        var lastSide = 0, sameSide = 0
        for _ in 0..<200 {
            let width = eR - eL
            if width <= 1e-12 * scale { break }
            var e: Double
            if sameSide < 2, cR > cL {
                e = eL + width * (goal - Double(cL)) / Double(cR - cL)
                e = min(max(e, eL + 0.001 * width), eR - 0.001 * width)
            } else {
                e = eL + 0.5 * width
                sameSide = 0
            }
            let c = try count(below: e)
            if accept(c.count) { return c.energy }
            let side = Double(c.count) < goal ? -1 : 1
            if side < 0 { eL = c.energy; cL = c.count } else { eR = c.energy; cR = c.count }
            sameSide = side == lastSide ? sameSide + 1 : 1
            lastSide = side
        }
        // A cluster too tight to split: the outer end of the bracket is still a valid bound.
        return fromBelow ? eL : eR
    }

}
