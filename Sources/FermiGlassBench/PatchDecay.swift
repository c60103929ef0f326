import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How localized the eigenstates near E_F really are, measured for the localized-patch solver
/// (issue 17, "first step"): each of the `states` eigenstates psi nearest E_F of an L x L
/// periodic lattice (shift-invert engine) is re-solved on the open square patch of half-width R
/// around its maximum |psi|^2 (``DisorderedModel/hamiltonian(on:)`` of the (2R+1)^2 square ``Lattice/Region``:
/// the principal sub-matrix of H, only the bonds inside the square), and the patch eigenstate phi that overlaps psi most, extended by
/// zero, is checked on the global H:
///
///     residual(R)        = ||H phi - E_p phi||_2 / ||H||_inf     (E_p = phi's patch eigenvalue,
///                                                                  = <phi|H|phi>)
///     eigenvalue error   = |E_p - E_psi|
///     overlap defect     = 1 - |<phi|psi>|
///
/// and, from psi alone, the support a state needs for a tolerance tol: the smallest half-width
/// s whose square around the maximum leaves outside weight sum_{outside} |psi|^2 < tol^2,
/// and the decay length of ln |psi|^2 averaged over shells of Euclidean distance r from the
/// maximum: <ln |psi(r)|^2> ~ c - 2 r / xi_decay (a straight-line fit over r in
/// [fitStart, r_floor), r_floor the first shell whose mean falls below ln(1e-24), where the
/// global vector's own error starts to dominate). Lengths in lattice constants, energies in
/// units of t1.
public enum PatchDecay {
    public struct Options: Sendable {
        public var size: Int
        public var parameters: ModelParameters
        public var filling: Double
        public var seed: UInt64
        public var realization: Int
        /// Global eigenstates nearest E_F to examine.
        public var states: Int
        /// Patch half-widths R; those with 2R + 1 > L - 2 (a patch that would touch itself
        /// through the periodic boundary) are skipped.
        public var radii: [Int]
        /// Residual targets for the support measurement.
        public var tolerances: [Double]
        /// Patch eigenpairs nearest E_psi among which the best overlap is taken.
        public var candidates: Int
        /// Patches with at most this many sites are solved densely (all eigenpairs, LAPACK
        /// dsyevd), larger ones by shift-invert.
        public var denseMaxSites: Int
        /// First shell of the decay fit.
        public var fitStart: Double

        public init(size: Int, parameters: ModelParameters, filling: Double = 5.0 / 6.0, seed: UInt64 = 1, realization: Int = 0,
                    states: Int = 16, radii: [Int] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120],
                    tolerances: [Double] = [1e-4, 1e-6, 1e-8], candidates: Int = 6, denseMaxSites: Int = 1681, fitStart: Double = 5) {
            self.size = size
            self.parameters = parameters
            self.filling = filling
            self.seed = seed
            self.realization = realization
            self.states = states
            self.radii = radii
            self.tolerances = tolerances
            self.candidates = candidates
            self.denseMaxSites = denseMaxSites
            self.fitStart = fitStart
        }
    }

    /// One state on one patch.
    public struct PatchRecord: Sendable {
        public let radius: Int
        public let sites: Int
        public let residual: Double
        public let eigenvalueError: Double
        public let overlapDefect: Double
        /// The second-largest |<phi'|psi>| among the candidates (a hybridised patch state shows
        /// two large overlaps).
        public let secondOverlap: Double
        /// Weight of psi outside the square.
        public let outsideWeight: Double
        public let method: String
        public let seconds: Double
        /// Every candidate patch eigenpair (not only the best-overlap one), as a patch solver
        /// would see it: its energy, its halo R - d (d = Chebyshev distance of its maximum
        /// |phi|^2 from the patch centre) and its residual on the global H (/ ||H||_inf).
        public let candidateEnergies: [Double]
        public let candidateHalos: [Int]
        public let candidateResiduals: [Double]
    }

    /// One global eigenstate.
    public struct StateRecord: Sendable {
        public let energy: Double
        /// Residual of the global eigenpair itself, relative to ||H||_inf.
        public let globalResidual: Double
        public let maximum: (x: Int, y: Int)
        public let ipr: Double
        /// Per tolerance: the smallest half-width s with outside weight < tol^2 (nil when even
        /// the largest square inside the lattice is not enough).
        public let supportHalfWidth: [Int?]
        /// xi_decay from the shell fit, and the fitted range [fitStart, end).
        public let decayLength: Double
        public let fitEnd: Double
        /// <ln |psi|^2> per unit shell r in [k, k + 1), k = 0, 1, ...
        public let shellLogDensity: [Double]
        public let patches: [PatchRecord]
    }

    public struct Result: Sendable {
        public let fermiEnergy: Double
        public let hamiltonianNorm: Double
        public let globalSeconds: Double
        public let states: [StateRecord]
        /// The radii actually used.
        public let radii: [Int]
    }

    /// Runs the measurement; `progress(done, total)` after each state.
    public static func measure(_ o: Options, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let l = o.size
        let lattice = try Lattice(lx: l, ly: l)
        let model = try DisorderedModel(lattice: lattice, parameters: o.parameters, seed: o.seed, realization: o.realization)
        let h = model.hamiltonian()
        let norm = h.infinityNorm
        let clock = ContinuousClock()
        let t0 = clock.now
        let filling = try Filling(filling: o.filling, siteCount: lattice.siteCount)
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(certifyNearest: false))
        let ef = try engine.fermiLevel(fermiIndex: filling.fermiIndex).energy
        let pairs = try engine.nearest(sigma: ef, count: o.states).pairs
        let globalSeconds = (clock.now - t0).seconds
        let radii = o.radii.filter { 2 * $0 + 1 <= l - 2 }
        var records = [StateRecord]()
        for a in 0..<pairs.count {
            let psi = pairs.vector(a)
            let e = pairs.values[a]
            var hpsi = h.multiply(psi)
            for i in 0..<hpsi.count { hpsi[i] -= e * psi[i] }
            let globalResidual = norm2(hpsi) / norm
            var best = 0
            for i in 1..<psi.count where psi[i] * psi[i] > psi[best] * psi[best] { best = i }
            let (x0, y0) = lattice.coordinates(of: best)
            // Weight of psi per Chebyshev shell d = max(|dx|, |dy|) (minimum image) and the
            // Euclidean-shell means of ln |psi|^2.
            let half = l / 2
            var chebyshev = [Double](repeating: 0, count: half + 1)
            var logSum = [Double](repeating: 0, count: Int(Double(half) * 2.0.squareRoot()) + 2), logCount = [Int](repeating: 0, count: logSum.count)
            var ipr = 0.0
            for i in 0..<psi.count {
                let (x, y) = lattice.coordinates(of: i)
                let dx = minImage(x - x0, l), dy = minImage(y - y0, l)
                let p = psi[i] * psi[i]
                ipr += p * p
                chebyshev[max(abs(dx), abs(dy))] += p
                let k = Int(Double(dx * dx + dy * dy).squareRoot())
                logSum[k] += log(max(p, 1e-300)); logCount[k] += 1
            }
            // outside[s] = weight beyond the square of half-width s, summed from the far end.
            var outside = [Double](repeating: 0, count: half + 1)
            var acc = 0.0
            for s in stride(from: half, through: 0, by: -1) { outside[s] = acc; acc += chebyshev[s] }
            // s = half would cover the whole lattice: a support must fit in a square that does not wrap.
            let support: [Int?] = o.tolerances.map { tol in outside[..<half].firstIndex { $0 < tol * tol } }
            let shells = zip(logSum, logCount).map { $1 > 0 ? $0 / Double($1) : .nan }
            let (decay, fitEnd) = decayFit(shells, start: o.fitStart, maxRadius: half)
            var patches = [PatchRecord]()
            for r in radii {
                let tp = clock.now
                let side = 2 * r + 1
                let region = lattice.region(around: best, halfWidth: r)
                let sites = lattice.sites(of: region)
                let hp = model.hamiltonian(on: region)
                let (candidates, method) = try patchPairs(hp, near: e, count: o.candidates, denseMaxSites: o.denseMaxSites)
                let seconds = (clock.now - tp).seconds
                var overlaps = [Double](repeating: 0, count: candidates.count)
                for c in 0..<candidates.count {
                    var s = 0.0
                    for k in 0..<sites.count { s += candidates.component(k, of: c) * psi[sites[k]] }
                    overlaps[c] = s
                }
                let order = overlaps.indices.sorted { abs(overlaps[$0]) > abs(overlaps[$1]) }
                let c = order[0]
                var halos = [Int](), residuals = [Double]()
                var phi = [Double](repeating: 0, count: psi.count)
                for cand in 0..<candidates.count {
                    var top = 0
                    for k in 0..<sites.count {
                        let v = candidates.component(k, of: cand)
                        phi[sites[k]] = v
                        if v * v > candidates.component(top, of: cand) * candidates.component(top, of: cand) { top = k }
                    }
                    halos.append(r - max(abs(top % side - r), abs(top / side - r)))
                    var res = h.multiply(phi)
                    for i in 0..<res.count { res[i] -= candidates.values[cand] * phi[i] }
                    residuals.append(norm2(res) / norm)
                }
                let ep = candidates.values[c]
                patches.append(PatchRecord(radius: r, sites: sites.count, residual: residuals[c], eigenvalueError: abs(ep - e),
                                           overlapDefect: 1 - abs(overlaps[c]), secondOverlap: order.count > 1 ? abs(overlaps[order[1]]) : 0,
                                           outsideWeight: r <= half ? outside[r] : 0, method: method, seconds: seconds,
                                           candidateEnergies: candidates.values, candidateHalos: halos, candidateResiduals: residuals))
            }
            records.append(StateRecord(energy: e, globalResidual: globalResidual, maximum: (x0, y0), ipr: ipr, supportHalfWidth: support,
                                       decayLength: decay, fitEnd: fitEnd, shellLogDensity: shells, patches: patches))
            progress(a + 1, pairs.count)
        }
        return Result(fermiEnergy: ef, hamiltonianNorm: norm, globalSeconds: globalSeconds, states: records, radii: radii)
    }

    /// The `count` eigenpairs of the patch nearest `energy` (ascending): dense (all pairs by
    /// dsyevd, then the nearest) up to `denseMaxSites`, shift-invert above.
    static func patchPairs(_ hp: CSRMatrix, near energy: Double, count: Int, denseMaxSites: Int) throws -> (Eigenpairs, String) {
        let n = hp.rowCount
        let k = min(count, n - 1)
        if n <= denseMaxSites {
            let all = try DenseEigensolver.solve(hp)
            let order = all.values.indices.sorted { abs(all.values[$0] - energy) < abs(all.values[$1] - energy) }.prefix(k).sorted()
            var values = [Double](), vectors = [Double]()
            for c in order { values.append(all.values[c]); vectors += all.vector(c) }
            return (Eigenpairs(values: values, vectors: vectors, dimension: n), "dense")
        }
        let solver = try ShiftInvertSolver(hp, options: ShiftInvertOptions(certifyNearest: false))
        return (try solver.nearest(sigma: energy, count: k).pairs, "shift-invert")
    }

    /// Straight-line fit of the shell means of ln |psi|^2 against r over [start, end), end the
    /// first shell below ln(1e-24) or `maxRadius`: xi_decay = -2 / slope.
    static func decayFit(_ shells: [Double], start: Double, maxRadius: Int) -> (Double, Double) {
        let floor = log(1e-24)
        var xs = [Double](), ys = [Double]()
        var end = Double(maxRadius)
        for k in Int(start)..<min(shells.count, maxRadius) {
            let v = shells[k]
            guard v.isFinite else { continue }
            if v < floor { end = Double(k); break }
            xs.append(Double(k) + 0.5); ys.append(v)
        }
        guard xs.count >= 3 else { return (.nan, end) }
        return (-2 / Statistics.linearFit(x: xs, y: ys).slope, end)
    }

    static func minImage(_ d: Int, _ l: Int) -> Int {
        var v = d % l
        if v > l / 2 { v -= l } else if v < -l / 2 { v += l }
        return v
    }

    static func norm2(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
