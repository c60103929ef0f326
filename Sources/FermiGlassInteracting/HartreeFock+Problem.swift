#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

// MARK: - The self-consistency loop

extension HartreeFock {
    struct Problem {
        let h0: CSRMatrix
        let n: Int
        let particles: Int
        let options: HartreeFockOptions
        /// Position of the diagonal entry of each row in h0.values.
        let diagonalIndex: [Int]
        /// Stop (as not converged) when ``AufbauStall`` says the iteration has stalled.
        let stopWhenStalled: Bool
        /// See ``HartreeFock/solve(h0:particles:options:initial:progress:snapshot:)``.
        var snapshot: ((HartreeFockSnapshot) -> Void)? = nil

        init(h0: CSRMatrix, particles: Int, options: HartreeFockOptions, stopWhenStalled: Bool = false) throws {
            self.stopWhenStalled = stopWhenStalled
            guard h0.rowCount == h0.columnCount, h0.rowCount > 0 else {
                throw HartreeFockError.invalidArgument("H0 must be a non-empty square matrix")
            }
            self.h0 = h0
            self.n = h0.rowCount
            self.particles = particles
            self.options = options
            var d = [Int](repeating: -1, count: n)
            for r in 0..<n {
                for k in h0.rowPointers[r]..<h0.rowPointers[r + 1] where Int(h0.columnIndices[k]) == r { d[r] = k }
                guard d[r] >= 0 else {
                    throw HartreeFockError.invalidArgument("H0 must store its full diagonal (row \(r) has none)")
                }
            }
            diagonalIndex = d
        }

        /// Seeded random start for free mode: n_s(i) = nbar + s m_i / 2, m_i uniform in [-a, a],
        /// rescaled so each spin channel holds the right number of particles.
        func randomStart(stream: UInt64) -> [Double] {
            var rng = SplitMix64(seed: options.seed, stream: stream)
            let nbar = Double(particles) / Double(2 * n)
            let a = options.initialMomentAmplitude * min(nbar, 1 - nbar) * 2
            var moments = [Double](repeating: 0, count: n)
            for i in 0..<n { moments[i] = a * (2 * SplitMix64.unitDouble(rng.next()) - 1) }
            return start(moments: moments)
        }

        /// Input densities n_s(i) = nbar + s m_i / 2, shifted uniformly so each spin channel
        /// holds its number of particles (N/2 each, or the fixed split).
        func start(moments: [Double]) -> [Double] {
            let nbar = Double(particles) / Double(2 * n)
            var up = [Double](repeating: 0, count: n), dn = up
            for i in 0..<n {
                up[i] = nbar + moments[i] / 2
                dn[i] = nbar - moments[i] / 2
            }
            let (targetUp, targetDown) = options.spinUp.map { (Double($0), Double(particles - $0)) }
                ?? (Double(particles) / 2, Double(particles) / 2)
            let su = up.reduce(0, +), sd = dn.reduce(0, +)
            for i in 0..<n { up[i] += (targetUp - su) / Double(n); dn[i] += (targetDown - sd) / Double(n) }
            return up + dn
        }

        /// Eigenpairs of H0 + U diag(potential): the lowest `levels` (dsyevr) or all (dsyevd).
        func diagonalize(potential: [Double], levels: Int, all: Bool) throws -> Eigenpairs {
            var values = h0.values
            for i in 0..<n { values[diagonalIndex[i]] += options.U * potential[i] }
            let h = CSRMatrix(rowCount: n, columnCount: n, rowPointers: h0.rowPointers,
                              columnIndices: h0.columnIndices, values: values)
            if all || !options.partialDiagonalization || levels >= n {
                return try DenseEigensolver.solve(h, selection: .all, vectors: true)
            }
            return try DenseEigensolver.solve(h, selection: .levels(0..<max(1, levels)), vectors: true)
        }

        /// sum_{a < occupied} |phi_a(i)|^2.
        static func density(_ pairs: Eigenpairs, occupied: Int) -> [Double] {
            let n = pairs.dimension
            var d = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                for a in 0..<occupied {
                    let base = a * n
                    for i in 0..<n { let x = v[base + i]; d[i] += x * x }
                }
            }
            return d
        }

        /// sum_{a < occupied} <phi_a|H0|phi_a>, by sparse products (independent of the eigenvalues).
        func kineticEnergy(_ pairs: Eigenpairs, occupied: Int) -> Double {
            var total = 0.0
            var y = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                y.withUnsafeMutableBufferPointer { yp in
                    for a in 0..<occupied {
                        let col = UnsafeBufferPointer(rebasing: v[(a * n)..<((a + 1) * n)])
                        h0.multiply(col, into: yp)
                        var s = 0.0
                        for i in 0..<n { s += col[i] * yp[i] }
                        total += s
                    }
                }
            }
            return total
        }

        struct Step {
            var up: Eigenpairs
            var down: Eigenpairs?   // nil in paramagnetic mode
            var nUp: Int
            var nDown: Int
            var output: [Double]    // output densities, same layout as the input
            /// Variational energy of the output determinant: sum_occ E - U sum n_in,-s n_out,s + U sum n_out,up n_out,dn.
            var energy: Double
        }

        /// One map x -> g(x): diagonalize H_s with the input densities and fill levels.
        func step(_ x: [Double], all: Bool, temperature: Double = 0, reference: [Double]? = nil) throws -> Step {
            let u = options.U
            if temperature > 0 { return try thermalStep(x, temperature: temperature) }
            switch options.mode {
            case .paramagnetic:
                let occ = particles / 2
                var pairs = try diagonalize(potential: x, levels: occ + 1, all: all)
                if let ref = reference {
                    pairs = try maximumOverlap(x, pairs: pairs, reference: ref, occupied: occ)
                }
                let out = Self.density(pairs, occupied: occ)
                var e = 2 * pairs.values[0..<occ].reduce(0, +)
                for i in 0..<n { e += -2 * u * x[i] * out[i] + u * out[i] * out[i] }
                return Step(up: pairs, down: nil, nUp: occ, nDown: occ, output: out, energy: e)
            case .free:
                let xUp = Array(x[0..<n]), xDn = Array(x[n..<(2 * n)])
                var nUp: Int, nDn: Int
                var up: Eigenpairs, dn: Eigenpairs
                if let fixed = options.spinUp {
                    nUp = fixed; nDn = particles - fixed
                    up = try diagonalize(potential: xDn, levels: nUp + 1, all: all)
                    dn = try diagonalize(potential: xUp, levels: nDn + 1, all: all)
                    if let ref = reference {
                        // Maximum overlap in each channel; the reference holds the up then the
                        // down occupied orbitals.
                        if nUp > 0 { up = try maximumOverlap(xDn, pairs: up, reference: Array(ref[0..<(n * nUp)]), occupied: nUp) }
                        if nDn > 0 { dn = try maximumOverlap(xUp, pairs: dn, reference: Array(ref[(n * nUp)...]), occupied: nDn) }
                    }
                } else {
                    // Aufbau over both spins: enough levels per spin for any split near N/2; if
                    // a channel's computed levels are all taken, recompute it completely.
                    let want = min(n, particles / 2 + max(16, n / 25))
                    up = try diagonalize(potential: xDn, levels: want, all: all)
                    dn = try diagonalize(potential: xUp, levels: want, all: all)
                    (nUp, nDn) = Self.aufbau(up.values, dn.values, particles: particles)
                    if (nUp >= up.count && up.count < n) || (nDn >= dn.count && dn.count < n) {
                        up = try diagonalize(potential: xDn, levels: n, all: true)
                        dn = try diagonalize(potential: xUp, levels: n, all: true)
                        (nUp, nDn) = Self.aufbau(up.values, dn.values, particles: particles)
                    }
                }
                let outUp = Self.density(up, occupied: nUp), outDn = Self.density(dn, occupied: nDn)
                var e = up.values[0..<nUp].reduce(0, +) + dn.values[0..<nDn].reduce(0, +)
                for i in 0..<n {
                    e += -u * (xDn[i] * outUp[i] + xUp[i] * outDn[i]) + u * outUp[i] * outDn[i]
                }
                return Step(up: up, down: dn, nUp: nUp, nDown: nDn, output: outUp + outDn, energy: e)
            }
        }

        /// Reorders `pairs` so that the `occupied` orbitals with the largest projection
        /// sum_a (phi_b . ref_a)^2 on the reference occupied space come first (maximum overlap
        /// method); recomputes every level when the choice reaches the last computed one.
        func maximumOverlap(_ x: [Double], pairs p: Eigenpairs, reference: [Double], occupied occ: Int) throws -> Eigenpairs {
            var pairs = p
            if pairs.count < n {
                let want = min(n, occ + max(16, n / 25))
                pairs = try diagonalize(potential: x, levels: want, all: want >= n)
            }
            while true {
                let m = pairs.count
                let o = BLAS.transposeProduct(pairs.vectors, reference, rows: n, aColumns: m, bColumns: occ)
                var weight = [Double](repeating: 0, count: m)
                for a in 0..<occ { for b in 0..<m { let v = o[b + a * m]; weight[b] += v * v } }
                let chosen = Set((0..<m).sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }.prefix(occ))
                if chosen.contains(m - 1) && m < n {
                    pairs = try diagonalize(potential: x, levels: n, all: true)
                    continue
                }
                let order = (0..<m).filter { chosen.contains($0) } + (0..<m).filter { !chosen.contains($0) }
                if order == Array(0..<m) { return pairs }
                var values = [Double](), vectors = [Double]()
                values.reserveCapacity(m); vectors.reserveCapacity(m * n)
                for b in order { values.append(pairs.values[b]); vectors += pairs.vectors[(b * n)..<((b + 1) * n)] }
                return Eigenpairs(values: values, vectors: vectors, dimension: n, firstLevel: 0)
            }
        }

        /// Fermi-Dirac occupations at temperature T (annealing only; the energy is not used).
        func thermalStep(_ x: [Double], temperature t: Double) throws -> Step {
            switch options.mode {
            case .paramagnetic:
                let pairs = try diagonalize(potential: x, levels: n, all: true)
                let f = Self.fermi([pairs.values], particles: Double(particles) / 2, temperature: t)[0]
                let out = Self.density(pairs, weights: f)
                return Step(up: pairs, down: nil, nUp: 0, nDown: 0, output: out, energy: .nan)
            case .free:
                let xUp = Array(x[0..<n]), xDn = Array(x[n..<(2 * n)])
                let up = try diagonalize(potential: xDn, levels: n, all: true)
                let dn = try diagonalize(potential: xUp, levels: n, all: true)
                let f: [[Double]]
                if let fixed = options.spinUp {
                    f = [Self.fermi([up.values], particles: Double(fixed), temperature: t)[0],
                         Self.fermi([dn.values], particles: Double(particles - fixed), temperature: t)[0]]
                } else {
                    f = Self.fermi([up.values, dn.values], particles: Double(particles), temperature: t)
                }
                return Step(up: up, down: dn, nUp: 0, nDown: 0,
                            output: Self.density(up, weights: f[0]) + Self.density(dn, weights: f[1]), energy: .nan)
            }
        }

        /// Fermi-Dirac occupations of the given spectra with one chemical potential fixed by
        /// the particle number (bisection).
        static func fermi(_ spectra: [[Double]], particles: Double, temperature t: Double) -> [[Double]] {
            func occupations(_ mu: Double) -> [[Double]] {
                spectra.map { $0.map { e in 1 / (1 + exp(min(700, (e - mu) / t))) } }
            }
            var lo = spectra.map { $0.first! }.min()! - 50 * t - 1, hi = spectra.map { $0.last! }.max()! + 50 * t + 1
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                let count = occupations(mid).reduce(0) { $0 + $1.reduce(0, +) }
                if count < particles { lo = mid } else { hi = mid }
            }
            return occupations(0.5 * (lo + hi))
        }

        /// sum_a w_a |phi_a(i)|^2.
        static func density(_ pairs: Eigenpairs, weights: [Double]) -> [Double] {
            let n = pairs.dimension
            var d = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                for a in 0..<pairs.count where weights[a] > 1e-300 {
                    let base = a * n, w = weights[a]
                    for i in 0..<n { let x = v[base + i]; d[i] += w * x * x }
                }
            }
            return d
        }

        /// Numbers of up and down levels among the `particles` lowest of both spectra (ties to up).
        static func aufbau(_ a: [Double], _ b: [Double], particles: Int) -> (Int, Int) {
            var i = 0, j = 0
            while i + j < particles {
                if j >= b.count || (i < a.count && a[i] <= b[j]) { i += 1 } else { j += 1 }
            }
            return (i, j)
        }
    }
}
