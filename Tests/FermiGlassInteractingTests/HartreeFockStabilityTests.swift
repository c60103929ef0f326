import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassTestSupport
import Foundation
import Testing

/// The collinear orbital Hessian against finite differences of the HF energy, the Stoner form,
/// instability following, and the closed forms it must reach (dimer, Neel state).
@Suite(.slow, .tags(.slow)) struct HartreeFockStabilityTests {
    /// The HF energy of the determinant exp(K) |r>, K the real antisymmetric occupied-empty
    /// generator with K[b, a] = kappa_ab (the Hessian's layout), by a Taylor series of exp(K)
    /// applied to the occupied columns (|K| ~ 1e-3 here: 12 terms are exact to rounding).
    static func rotatedEnergy(_ r: HartreeFockResult, h0: CSRMatrix, kappa: [Double]) -> Double {
        let n = r.up.orbitals.dimension
        var densities: [[Double]] = []
        var kinetic = 0.0
        var offset = 0
        for ch in [r.up, r.down] {
            let no = ch.occupied, ne = n - no
            var d = [Double](repeating: 0, count: n)
            for a in 0..<no {
                // u = exp(K) e_a in the orbital basis.
                var u = [Double](repeating: 0, count: n), term = u
                u[a] = 1; term[a] = 1
                for k in 1...12 {
                    var next = [Double](repeating: 0, count: n)
                    for b in 0..<ne {
                        for c in 0..<no {
                            let x = kappa[offset + c + b * no]
                            next[no + b] += x * term[c]      // K[b, c] = kappa_cb
                            next[c] -= x * term[no + b]      // K[c, b] = -kappa_cb
                        }
                    }
                    term = next.map { $0 / Double(k) }
                    for p in 0..<n { u[p] += term[p] }
                }
                var phi = [Double](repeating: 0, count: n)
                for p in 0..<n where u[p] != 0 { for i in 0..<n { phi[i] += u[p] * ch.orbitals.vectors[i + p * n] } }
                let hphi = h0.multiply(phi)
                for i in 0..<n { d[i] += phi[i] * phi[i]; kinetic += phi[i] * hphi[i] }
            }
            densities.append(d)
            offset += no * ne
        }
        var e = kinetic
        for i in 0..<n { e += r.options.U * densities[0][i] * densities[1][i] }
        return e
    }

    /// d^2E/dkappa_i dkappa_j by central differences of `rotatedEnergy` (step h).
    static func finiteDifferenceHessian(_ r: HartreeFockResult, h0: CSRMatrix, dimension d: Int, h: Double) -> [Double] {
        func e(_ pairs: [(Int, Double)]) -> Double {
            var k = [Double](repeating: 0, count: d)
            for (i, x) in pairs { k[i] += x }
            return rotatedEnergy(r, h0: h0, kappa: k)
        }
        let e0 = e([])
        var plus = [Double](repeating: 0, count: d), minus = plus
        for i in 0..<d { plus[i] = e([(i, h)]); minus[i] = e([(i, -h)]) }
        var hess = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            hess[i + i * d] = (plus[i] - 2 * e0 + minus[i]) / (h * h)
            for j in 0..<i {
                let v = (e([(i, h), (j, h)]) - e([(i, h), (j, -h)]) - e([(i, -h), (j, h)]) + e([(i, -h), (j, -h)])) / (4 * h * h)
                hess[i + j * d] = v; hess[j + i * d] = v
            }
        }
        return hess
    }

    /// 4 x 4, t2 = 0.6, W = 6, N = 4: a free-mode state as the iteration leaves it (no
    /// following) and the paramagnet above its Stoner
    /// threshold (a saddle). The Hessian-vector products assembled into a matrix equal the
    /// finite-difference Hessian of the HF energy entry by entry; its lowest eigenvalue (dense and
    /// block Krylov-Schur paths) equals the finite-difference one.
    @Test func hessianMatchesFiniteDifferencesOnFourByFour() throws {
        let m = try Fixtures.model(4, t2: 0.6, w: 6)
        let h0 = m.hamiltonian()
        var states: [HartreeFockResult] = []
        var free = HartreeFockOptions(U: 3, mode: .free)
        free.stability = false
        free.densityTolerance = 1e-12
        free.starts = 2
        states.append(try HartreeFock.solve(h0: h0, particles: 4, options: free))
        var para = HartreeFockOptions(U: 14, mode: .paramagnetic)
        para.densityTolerance = 1e-12
        para.stability = false
        states.append(try HartreeFock.solve(h0: h0, particles: 4, options: para))
        var lowest: [Double] = []
        for r in states {
            let hess = try HartreeFockHessian(r)
            let d = hess.dimension
            #expect(d == r.up.occupied * (16 - r.up.occupied) + r.down.occupied * (16 - r.down.occupied))
            let analytic = try hess.dense()
            let fd = Self.finiteDifferenceHessian(r, h0: h0, dimension: d, h: 2e-4)
            var diff = 0.0, scale = 0.0
            for k in 0..<(d * d) { diff = max(diff, abs(analytic[k] - fd[k])); scale = max(scale, abs(fd[k])) }
            #expect(diff < 2e-5 * max(1, scale), "max |H - H_fd| = \(diff), max |H_fd| = \(scale)")
            let fdLowest = try DenseEigensolver.solve(Fixtures.denseCSR(fd, d), selection: .levels(0..<1), vectors: false).values[0]
            let dense = try hess.lowestEigenpair()
            let krylov = try hess.lowestEigenpair(denseLimit: 0)
            #expect(abs(dense.value - fdLowest) < 2e-5)
            #expect(abs(krylov.value - dense.value) < 1e-7)
            #expect(krylov.residual < 1e-6)
            lowest.append(dense.value)
        }
        #expect(lowest[1] < -0.01)   // the paramagnet at U = 14: a saddle
    }

    /// For an aufbau paramagnet the Hessian is positive definite iff rho(U^2 Pi_up Pi_dn) =
    /// (U lambda_max(Pi))^2 < 1 (Schur complement): the sign of its lowest eigenvalue changes
    /// where U lambda_max(Pi) crosses 1 (4 x 4, W = 6, t2 = 0.6, N = 4, U on a grid).
    @Test func theHessianSignIsTheStonerCriterionOfTheParamagnet() throws {
        let m = try Fixtures.model(4, t2: 0.6, w: 6)
        let h0 = m.hamiltonian()
        var sawStable = false, sawUnstable = false
        for u in [1.0, 3.0, 6.0, 10.0, 14.0] {
            var o = HartreeFockOptions(U: u, mode: .paramagnetic)
            o.densityTolerance = 1e-11
            let r = try HartreeFock.solve(h0: h0, particles: 4, options: o)
            guard r.up.aufbauViolations == 0 else { continue }
            let op = try SusceptibilityOperator(orbitals: r.up.orbitals, occupied: r.up.occupied)
            let lambda = try LinearStability.largestEigenvalues(of: op).eigenvalues[0]
            let stoner = u * lambda
            let h = try #require(r.stability).hessianMinEigenvalue
            if abs(stoner - 1) > 0.02 {
                #expect((h > 0) == (stoner < 1), "U = \(u): U lambda = \(stoner), Hessian minimum \(h)")
                if stoner < 1 { sawStable = true } else { sawUnstable = true }
            }
        }
        #expect(sawStable && sawUnstable)
    }

    /// The Hubbard dimer from the default free-mode options (no hand-picked starts, no
    /// annealing): E = -2t^2/U and |m| = sqrt(1 - 4t^2/U^2) above U = 2|t|, a stable state.
    @Test(arguments: [2.5, 3.0, 10.0])
    func theDimerReachesTheClosedFormFromTheDefaultOptions(u: Double) throws {
        let lattice = try Lattice(lx: 2, ly: 1, boundary: .open)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1), onsiteEnergies: [0, 0])
        let r = try HartreeFock.solve(h0: m.hamiltonian(), particles: 2, options: HartreeFockOptions(U: u, mode: .free))
        #expect(abs(r.energy - (-2 / u)) < 1e-7)
        #expect(abs(abs(r.moments[0]) - (1 - 4 / (u * u)).squareRoot()) < 1e-6)
        #expect(abs(r.moments[0] + r.moments[1]) < 1e-6)
        #expect(r.sz == 0)
        #expect(try #require(r.stability).isMinimum)
        #expect(r.minima.first.map { abs($0.energy - r.energy) < 1e-9 } == true)
    }

    /// A saddle: the paramagnet of a 4 x 4 lattice (W = 6, t2 = 0.6, N = 4) at U = 14, above its
    /// Stoner threshold, has a negative Hessian mode; following it ends at a lower state with
    /// moments and no negative mode, with every step lowering the energy.
    @Test func aParamagneticSaddleIsFollowedToALowerMinimum() throws {
        let m = try Fixtures.model(4, t2: 0.6, w: 6)
        let h0 = m.hamiltonian()
        var o = HartreeFockOptions(U: 14, mode: .paramagnetic)
        o.densityTolerance = 1e-11
        let saddle = try HartreeFock.solve(h0: h0, particles: 4, options: o)
        let s0 = try #require(saddle.stability)
        #expect(s0.hessianMinEigenvalue < -0.01)
        let f = try HartreeFock.followInstabilities(from: saddle, h0: h0)
        #expect(f.following.stop == "stable")
        #expect(f.stability.isMinimum)
        #expect(f.result.energy < saddle.energy - 1e-3)
        #expect(abs(f.result.energy - f.result.energyFromH0) < 1e-8)
        #expect(f.result.totalAbsoluteMoment > 1)
        for k in 1..<f.following.energies.count { #expect(f.following.energies[k] < f.following.energies[k - 1]) }
    }

    /// Clean half-filled L x L (t2 = 0, periodic): the Neel mean field in k-space. With
    /// Delta = U m / 2 the bands are +-E_k, E_k = sqrt(e_k^2 + Delta^2), e_k = 2 (cos kx + cos ky);
    /// the gap equation 1 = (U / 2N) sum_k 1 / E_k (full zone) fixes Delta, and
    /// E = N U / 4 + N U m^2 / 4 - sum_k E_k (the lower band filled for both spins, minus the
    /// double counting U sum_i n_up n_dn = N U (1 - m^2) / 4).
    static func neelMeanField(l: Int, u: Double) -> (energy: Double, moment: Double) {
        var eps: [Double] = []
        for a in 0..<l { for b in 0..<l {
            eps.append(2 * (cos(2 * Double.pi * Double(a) / Double(l)) + cos(2 * Double.pi * Double(b) / Double(l))))
        } }
        let n = Double(l * l)
        func gap(_ delta: Double) -> Double { u / (2 * n) * eps.reduce(0) { $0 + 1 / ($1 * $1 + delta * delta).squareRoot() } - 1 }
        var lo = 1e-12, hi = 2 * u
        for _ in 0..<200 { let mid = 0.5 * (lo + hi); if gap(mid) > 0 { lo = mid } else { hi = mid } }
        let delta = 0.5 * (lo + hi), m = 2 * delta / u
        let e = n * u / 4 + n * u * m * m / 4 - eps.reduce(0) { $0 + ($1 * $1 + delta * delta).squareRoot() }
        return (e, m)
    }

    @Test(arguments: [(4, 4.0), (4, 12.0), (8, 4.0), (8, 12.0)])
    func theNeelStateOfTheCleanHalfFilledLattice(l: Int, u: Double) throws {
        let m = try Fixtures.model(l)
        let (eNeel, mNeel) = Self.neelMeanField(l: l, u: u)
        var o = HartreeFockOptions(U: u, mode: .free)
        o.densityTolerance = 1e-11
        let r = try HartreeFock.solve(h0: m.hamiltonian(), particles: l * l, options: o)
        #expect(abs(r.energy - eNeel) < 1e-7, "E = \(r.energy), Neel \(eNeel)")
        #expect(r.sz == 0)
        let sign = r.moments[0] > 0 ? 1.0 : -1.0
        for i in 0..<(l * l) {
            let (x, y) = m.lattice.coordinates(of: i)
            #expect(abs(r.moments[i] - sign * ((x + y) % 2 == 0 ? 1 : -1) * mNeel) < 1e-6)
        }
        #expect(try #require(r.stability).isMinimum)
    }
}
