import Foundation
import FermiGlassModel

extension PatchRun {
    /// Calls `body(i, j)` for the pairs of `states` (i < j in ascending energy) with
    /// |E_i - E_j| <= `reach(i, j)` whose rectangles meet, in a fixed order. `maxReach`
    /// bounds every reach (the scan stops there).
    func forEachClosePair(_ states: [PatchState], maxReach: Double, reach: (Int, Int) -> Double,
                          _ body: (Int, Int) -> Void) {
        let order = states.indices.sorted { (states[$0].value, $0) < (states[$1].value, $1) }
        for (k, i) in order.enumerated() {
            var q = k + 1
            while q < order.count, states[order[q]].value - states[i].value <= maxReach {
                let j = order[q]
                if states[j].value - states[i].value <= reach(i, j), lattice.intersects(states[i].region, states[j].region) {
                    body(min(i, j), max(i, j))
                }
                q += 1
            }
        }
    }

    /// Removes copies of one state found by several patches: two states whose energies differ
    /// by at most 2 (r_a + r_b) and whose overlap exceeds 1/2 (two approximations of one
    /// eigenvector within their residuals; distinct eigenvectors are orthogonal). The copy kept
    /// is the one whose patch owns its maximum, then the one with the smaller residual, then
    /// the lower patch index.
    mutating func removeDuplicates(_ states: [PatchState]) -> [PatchState] {
        var removed = [Bool](repeating: false, count: states.count)
        let maxResidual = states.map(\.residual).max() ?? 0
        let floor = 1e-12 * scale
        var pairs = [(Int, Int)]()
        forEachClosePair(states, maxReach: 4 * maxResidual + floor,
                         reach: { 2 * (states[$0].residual + states[$1].residual) + floor }) { pairs.append(($0, $1)) }
        func better(_ a: PatchState, _ b: PatchState) -> Bool {
            if a.owned != b.owned { return a.owned }
            if a.residual != b.residual { return a.residual < b.residual }
            return a.patch < b.patch
        }
        for (i, j) in pairs where !removed[i] && !removed[j] {
            if abs(algebra.overlap(states[i], states[j])) > 0.5 {
                if better(states[i], states[j]) { removed[j] = true } else { removed[i] = true }
                report.duplicatesRemoved += 1
            }
        }
        return states.indices.filter { !removed[$0] }.map { states[$0] }
    }

    /// Pass 2: every state above tol is solved again on a square patch centred on its maximum,
    /// half-width halo + interior / 2 first (every site of its old interior then lies at least
    /// a halo from the cut), growing x1.5 while it stays above tol, up to the largest square
    /// that does not wrap. The new state is the patch eigenvector with the largest overlap with
    /// the old one (> 1/2) among those within 4 r of its energy (of the 8 nearest it, one
    /// factorization), kept when its residual is smaller. Returns the states and the number of patch solves.
    mutating func repair(_ states: [PatchState], layout: PatchLayout) throws -> ([PatchState], Int) {
        var out = states
        var solves = 0
        let largest = (min(lattice.lx, lattice.ly) - 2) / 2
        let xi = pilotDecayLength
        for k in out.indices where out[k].residual > tolerance {
            var halfWidth = min(largest, resolveHalfWidth(out[k], layout: layout, decayLength: xi))
            var tried = [(distance: Int, residual: Double)]()
            if out[k].patch >= 0, out[k].patch < layout.count {
                tried.append((cutDistance(out[k].maxSite, layout.patchRegion(out[k].patch)), out[k].residual))
            }
            while true {
                let old = out[k]
                let region = lattice.region(around: old.maxSite, halfWidth: halfWidth)
                // Weinstein: an eigenvalue of H lies within r of the Rayleigh quotient.
                let reach = 4 * old.residual + 1e-9 * scale
                var best: PatchState?
                var bestOverlap = 0.5
                let dense = try Self.nearestPairs(model: model, region: region, old.value, reach: reach,
                                                  denseLimit: options.denseLimit, engine: request.engine) { pairs in
                    let m = region.siteCount
                    for j in 0..<pairs.count where abs(pairs.values[j] - old.value) <= reach {
                        let x = Array(pairs.vectors[(j * m)..<((j + 1) * m)])
                        let o = abs(algebra.overlap(old.region, old.amplitudes, region, x))
                        if o > bestOverlap {
                            bestOverlap = o
                            best = PatchState.make(x, on: region, budget: budget, algebra: &algebra, patchIndex: -1, pass: 2,
                                                   maxSite: PatchState.maximumSite(x, on: region, lattice: lattice), owned: true)
                        }
                    }
                }
                if dense { denseSolves += 1 } else { sparseSolves += 1 }
                solves += 1
                if let candidate = best, candidate.residual < old.residual { out[k] = candidate }
                if out[k].residual <= tolerance || halfWidth >= largest { break }
                tried.append((halfWidth, best?.residual ?? .infinity))
                halfWidth = min(largest, Self.nextResolveHalfWidth(tried, current: halfWidth, goal: 0.25 * tolerance))
            }
            report.resolved += 1
        }
        return (out, solves)
    }

    /// The first re-solve's half-width for `state`: its distance d from its patch's cut edge
    /// plus what the decay exp(-d / xi) of the pilot's residuals says takes its residual r to a
    /// quarter of tol, d + 1.15 xi ln(4 r / tol), at least d + 8 and at most twice the fixed
    /// rule's; without a measured xi (or for a state of an earlier re-solve) the fixed rule,
    /// halo + interior / 2, where its old interior lies a halo from the cut.
    func resolveHalfWidth(_ state: PatchState, layout: PatchLayout, decayLength xi: Double?) -> Int {
        let fixed = layout.halo + (layout.interior + 1) / 2
        guard let xi, xi > 0, state.patch >= 0, state.patch < layout.count else { return fixed }
        let d = cutDistance(state.maxSite, layout.patchRegion(state.patch))
        guard d < Int.max / 2 else { return fixed }
        let extra = 1.15 * xi * log(max(4 * state.residual / tolerance, 1))
        return min(2 * fixed, d + max(8, Int(extra.rounded(.up))))
    }

    /// The next half-width after the re-solves `tried` (distance from the cut, residual), the
    /// last at `current`: from the state's own decay between its last two tries when they show
    /// one (a drop of 2x or more), the distance where it reaches `goal`, with 15% to spare,
    /// between 1.1x and 2x the current one; else 1.5x.
    static func nextResolveHalfWidth(_ tried: [(distance: Int, residual: Double)], current: Int, goal: Double) -> Int {
        let grown = (3 * current + 1) / 2
        guard tried.count >= 2 else { return grown }
        let a = tried[tried.count - 2], b = tried[tried.count - 1]
        guard b.distance > a.distance, b.residual.isFinite, b.residual > goal, a.residual >= 2 * b.residual else { return grown }
        let xi = Double(b.distance - a.distance) / log(a.residual / b.residual)
        let wanted = Int((Double(b.distance) + 1.15 * xi * log(b.residual / goal)).rounded(.up))
        return min(2 * current, max((11 * current + 9) / 10, wanted))
    }

    /// Lattice distance from `site` to the nearest cut edge of `region` (bonds the region
    /// drops; a side on an open lattice edge or a direction the region wraps is no cut).
    func cutDistance(_ site: Int, _ region: Lattice.Region) -> Int {
        let (x, y) = lattice.coordinates(of: site)
        func along(_ c: Int, _ start: Int, _ size: Int, _ extent: Int, _ boundary: Boundary) -> Int {
            if size >= extent { return Int.max / 2 }
            let offset = ((c - start) % extent + extent) % extent
            let low = boundary == .open && start == 0 ? Int.max / 2 : offset
            let high = boundary == .open && start + size == extent ? Int.max / 2 : size - 1 - offset
            return min(low, high)
        }
        return min(along(x, region.x0, region.width, lattice.lx, lattice.boundaryX),
                   along(y, region.y0, region.height, lattice.ly, lattice.boundaryY))
    }

    /// The eigenpairs of the region Hamiltonian within `reach` of `sigma`: dense up to
    /// `denseLimit` sites, else the ``nearestCount`` nearest by one shift-invert factorization
    /// at sigma (no inertia counts: the state sought is recognised by its overlap, and a
    /// window solve would factor twice more for its edges).
    static func nearestPairs(model: DisorderedModel, region: Lattice.Region, _ sigma: Double, reach: Double, denseLimit: Int,
                             engine: ShiftInvertOptions, _ body: (Eigenpairs) throws -> Void) throws -> Bool {
        let hp = model.hamiltonian(on: region)
        if region.siteCount <= denseLimit {
            do {
                try body(DenseEigensolver.solve(hp, selection: .energies((sigma - reach)...(sigma + reach))))
            } catch SolverError.emptySelection {}
            return true
        }
        var o = engine
        // The solves' factorization only (no counts: no second analysis).
        o.factorization = FactorizationBackend.auto.resolved(sites: hp.rowCount).solves
        o.progress = nil
        o.certifyNearest = false
        if o.lanczos.tolerance == 0 { o.lanczos.tolerance = PatchWindowSolve.krylovTolerance }
        try body(ShiftInvertSolver(hp, options: o).nearest(sigma: sigma, count: min(nearestCount, hp.rowCount - 1)).pairs)
        return false
    }

    /// Patch eigenpairs a re-solve asks for around the state's energy.
    static let nearestCount = 8

    /// Rayleigh-Ritz of near-degenerate states from different patches: pairs whose overlap
    /// exceeds tol' / 10 (only pairs with |E_a - E_b| <= 10 (r_a + r_b) / tol' can, since
    /// (E_a - E_b) <phi_a|phi_b> = <phi_a|r_b> - <r_a|phi_b>) are joined into clusters; each
    /// cluster is put on the smallest rectangle holding its members, and H (the rectangle's
    /// principal block: the states vanish outside it) is diagonalised on their span,
    /// S^-1/2 (V^T H V) S^-1/2 with S = V^T V, giving orthonormal states with residuals of the
    /// members' order. A cluster whose members are linearly dependent to 1e-8 is left alone
    /// (the certificate then reports it).
    mutating func rotateClusters(_ states: [PatchState]) throws -> [PatchState] {
        let tol = orthogonalityTolerance
        var parent = Array(states.indices)
        func root(_ i: Int) -> Int { var i = i; while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }; return i }
        let maxResidual = states.map(\.residual).max() ?? 0
        var pairs = [(Int, Int)]()
        forEachClosePair(states, maxReach: 20 * maxResidual / tol + 1e-12 * scale,
                         reach: { 10 * (states[$0].residual + states[$1].residual) / tol + 1e-12 * scale }) { pairs.append(($0, $1)) }
        // Rotated already at a tenth of tol', so that the certificate has room.
        for (i, j) in pairs where abs(algebra.overlap(states[i], states[j])) > 0.1 * tol {
            let a = root(i), b = root(j)
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        var clusters = [Int: [Int]]()
        for i in states.indices { clusters[root(i), default: []].append(i) }
        var out = states
        var replaced = [Bool](repeating: false, count: states.count)
        var added = [PatchState]()
        for key in clusters.keys.sorted() {
            let members = clusters[key]!
            // A chain of weak overlaps across the lattice is not a near-degenerate cluster:
            // left alone (the certificate reports the overlaps).
            guard members.count > 1, members.count <= 32 else { continue }
            guard let rotated = try rayleighRitz(members.map { states[$0] }) else { continue }
            for i in members { replaced[i] = true }
            added += rotated
            report.rayleighRitzClusters += 1
        }
        out = out.indices.filter { !replaced[$0] }.map { out[$0] } + added
        return out
    }

    /// Rayleigh-Ritz of H on the span of `members` (nil when they are dependent to 1e-8).
    mutating func rayleighRitz(_ members: [PatchState]) throws -> [PatchState]? {
        let region = lattice.boundingRegion(of: members.map(\.region))
        let n = region.siteCount, m = members.count
        var v = [Double](repeating: 0, count: n * m)
        for (c, s) in members.enumerated() {
            for k in 0..<s.amplitudes.count {
                let l = lattice.localSite(of: lattice.globalSite(k, in: s.region), in: region)!
                v[l + c * n] = s.amplitudes[k]
            }
        }
        let hr = model.hamiltonian(on: region)
        var hv = [Double](repeating: 0, count: n * m)
        for c in 0..<m {
            for i in 0..<n {
                var s = 0.0
                for p in hr.rowPointers[i]..<hr.rowPointers[i + 1] { s += hr.values[p] * v[Int(hr.columnIndices[p]) + c * n] }
                hv[i + c * n] = s
            }
        }
        var g = [Double](repeating: 0, count: m * m), overlap = g
        for a in 0..<m {
            for b in 0..<m {
                var sg = 0.0, so = 0.0
                for i in 0..<n { sg += v[i + a * n] * hv[i + b * n]; so += v[i + a * n] * v[i + b * n] }
                g[a + b * m] = sg
                overlap[a + b * m] = so
            }
        }
        // S = Q diag(s) Q^T; X = Q diag(s^-1/2); H' = X^T G X = U diag(theta) U^T; C = X U.
        let s = try DenseEigensolver.symmetric(&overlap, dimension: m, vectors: true)
        guard let smallest = s.first, smallest > 1e-8 else { return nil }
        var x = overlap
        for c in 0..<m { for r in 0..<m { x[r + c * m] /= s[c].squareRoot() } }
        var reduced = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0..<m {
                var t = 0.0
                for p in 0..<m { for q in 0..<m { t += x[p + a * m] * g[p + q * m] * x[q + b * m] } }
                reduced[a + b * m] = t
            }
        }
        _ = try DenseEigensolver.symmetric(&reduced, dimension: m, vectors: true)
        var out = [PatchState]()
        for c in 0..<m {
            var coefficients = [Double](repeating: 0, count: m)
            for p in 0..<m { for q in 0..<m { coefficients[p] += x[p + q * m] * reduced[q + c * m] } }
            var y = [Double](repeating: 0, count: n)
            for p in 0..<m where coefficients[p] != 0 { for i in 0..<n { y[i] += coefficients[p] * v[i + p * n] } }
            out.append(PatchState.make(y, on: region, budget: budget, algebra: &algebra, patchIndex: -1, pass: 2,
                                       maxSite: PatchState.maximumSite(y, on: region, lattice: lattice), owned: true))
        }
        return out
    }
}
