#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// The orbital Hessian of a converged collinear UHF state of H0 + U sum_i n_i,up n_i,dn,
/// restricted to real, spin-conserving (collinear) rotations: second-order stability.
///
/// Derivation. Per spin s the determinant has real orthonormal orbitals phi_a (occupied,
/// a < N_s) and phi_b (empty), eigenvectors of the Fock operator F_s = H0 + U diag(n_-s) with
/// eigenvalues e_a, e_b. Rotate the occupied orbitals by exp(K_s), K_s real antisymmetric with
/// only occupied-empty entries kappa_s,ab:
///
///     phi_a -> phi_a + sum_b kappa_ab phi_b - (1/2) sum_{b,c} kappa_ab kappa_cb phi_c + O(kappa^3).
///
/// The density matrix D_s = sum_a |phi_a><phi_a| becomes D_s + D1_s + D2_s with
///
///     D1_s = sum_ab kappa_ab (|a><b| + |b><a|),
///     D2_s = sum_{a,b,b'} kappa_ab kappa_ab' |b><b'| - sum_{a,a',b} kappa_ab kappa_a'b |a><a'|.
///
/// The HF energy E = sum_s tr(H0 D_s) + U sum_r D_up(r,r) D_dn(r,r) is then, to second order,
///
///     E(kappa) = E0 + sum_s tr(F_s D1_s)                                  (= 0: F_s diagonal)
///              + sum_s tr(F_s D2_s) + U sum_r dn_up(r) dn_dn(r),
///     tr(F_s D2_s) = sum_ab (e_b - e_a) kappa_s,ab^2,
///     dn_s(r) = D1_s(r,r) = 2 sum_ab phi_a(r) kappa_s,ab phi_b(r)          (the density change).
///
/// The Hessian d^2E / dkappa dkappa (the operator this type applies) is therefore
///
///     (H kappa)_s,ab = 2 (e_b - e_a) kappa_s,ab + 2 U sum_r phi_a(r) phi_b(r) dn_-s(r),
///
/// diagonal within a spin and coupled to the opposite spin only through the Hubbard term (no
/// same-spin exchange: on-site U acts between opposite spins only). A state is a local minimum
/// among collinear determinants with its N_up, N_dn when the lowest eigenvalue of H is >= 0;
/// a negative eigenvalue is a descent direction (a saddle point of the HF energy).
///
/// Relation to the Stoner form. Write H = [[2 Delta_up, U C_up^T C_dn], [U C_dn^T C_up,
/// 2 Delta_dn]] with C_s(r, ab) = 2 phi_a(r) phi_b(r). For an aufbau state (Delta_s > 0) the
/// Schur complement shows H > 0 if and only if rho(U^2 Pi_up Pi_dn) < 1, where
/// Pi_s = C_s (2 Delta_s)^-1 C_s^T = 2 sum_ab phi_a phi_b phi_a phi_b / (e_b - e_a) is the static
/// susceptibility per spin of ``SusceptibilityOperator``. Both criteria agree on the sign, but
/// the lowest Hessian eigenvalue (an energy, units of t1) and that spectral radius
/// (dimensionless) are different numbers. Only the Hessian form is computed here; it does not
/// need Delta_s > 0 (a maximum-overlap state with E_b < E_a shows up as a negative eigenvalue).
///
/// Layout of kappa: the up block (N_up x (n - N_up), column-major, kappa[a + b N_up]) then the
/// down block. The operator is never formed: one product costs, per spin, two dgemms of
/// n N_s (n - N_s) flops (the density change and its projection back).
public struct HartreeFockHessian: LinearOperator, @unchecked Sendable {
    public let dimension: Int
    public let sites: Int
    public let U: Double

    struct Block {
        let occupied: Int
        let empty: Int
        let offset: Int
        /// Phi_occ and Phi_emp, column-major sites x occupied / sites x empty.
        let phiOcc: [Double]
        let phiEmp: [Double]
        /// e_b - e_a, column-major occupied x empty.
        let gaps: [Double]
    }
    let blocks: [Block]

    /// From the two channels of a HF state: every orbital with its vector, the `occupied` first.
    public init(up: HartreeFockChannel, down: HartreeFockChannel, U: Double) throws {
        let n = up.orbitals.dimension
        var blocks: [Block] = []
        var offset = 0
        for ch in [up, down] {
            guard ch.orbitals.hasVectors, ch.orbitals.count == n, ch.orbitals.dimension == n else {
                throw HartreeFockError.invalidArgument("the orbital Hessian needs every orbital of both spins with its eigenvector")
            }
            let no = ch.occupied, ne = n - no
            var gaps = [Double](repeating: 0, count: no * ne)
            for b in 0..<ne { for a in 0..<no { gaps[a + b * no] = ch.orbitals.values[no + b] - ch.orbitals.values[a] } }
            blocks.append(Block(occupied: no, empty: ne, offset: offset,
                                phiOcc: Array(ch.orbitals.vectors[0..<(n * no)]),
                                phiEmp: Array(ch.orbitals.vectors[(n * no)..<(n * n)]), gaps: gaps))
            offset += no * ne
        }
        guard offset > 0 else {
            throw HartreeFockError.invalidArgument("the orbital Hessian is empty: no spin has both occupied and empty orbitals")
        }
        self.blocks = blocks
        dimension = offset
        sites = n
        self.U = U
    }

    /// The Hessian of a converged result.
    public init(_ r: HartreeFockResult) throws {
        try self.init(up: r.up, down: r.down, U: r.options.U)
    }

    /// dn_s(r) = 2 sum_ab phi_a(r) kappa_ab phi_b(r) for spin block `s` of one vector.
    public func densityChange(spin s: Int, _ kappa: UnsafePointer<Double>) -> [Double] {
        let blk = blocks[s], n = sites
        var d = [Double](repeating: 0, count: n)
        guard blk.occupied > 0, blk.empty > 0 else { return d }
        var m = [Double](repeating: 0, count: n * blk.occupied)
        blk.phiEmp.withUnsafeBufferPointer { pe in
            m.withUnsafeMutableBufferPointer { mp in
                // M = Phi_emp kappa^T (sites x occupied).
                BLAS.multiply(pe.baseAddress!, kappa + blk.offset, into: mp.baseAddress!, m: n, n: blk.empty,
                              k: blk.occupied, transposeB: true)
            }
        }
        for a in 0..<blk.occupied {
            let base = a * n
            for r in 0..<n { d[r] += 2 * blk.phiOcc[base + r] * m[base + r] }
        }
        return d
    }

    /// Y = H X (see the type's documentation).
    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        let n = sites
        for c in 0..<columns {
            let xc = x + c * dimension, yc = y + c * dimension
            let dn = [densityChange(spin: 0, xc), densityChange(spin: 1, xc)]
            for (s, blk) in blocks.enumerated() where blk.occupied > 0 && blk.empty > 0 {
                let count = blk.occupied * blk.empty
                for k in 0..<count { yc[blk.offset + k] = 2 * blk.gaps[k] * xc[blk.offset + k] }
                guard U != 0 else { continue }
                // W = diag(dn_-s) Phi_emp; y_s += 2 U Phi_occ^T W.
                var w = blk.phiEmp
                let other = dn[1 - s]
                for b in 0..<blk.empty { for r in 0..<n { w[r + b * n] *= other[r] } }
                blk.phiOcc.withUnsafeBufferPointer { po in
                    w.withUnsafeBufferPointer { wp in
                        BLAS.multiply(po.baseAddress!, wp.baseAddress!, into: yc + blk.offset, m: blk.occupied, n: n,
                                      k: blk.empty, transposeA: true, alpha: 2 * U, beta: 1)
                    }
                }
            }
        }
    }

    /// The whole matrix (dimension^2 doubles, column-major), by products with unit vectors: for
    /// tests and small states only.
    public func dense() throws -> [Double] {
        var e = [Double](repeating: 0, count: dimension * dimension)
        for k in 0..<dimension { e[k + k * dimension] = 1 }
        return try apply(e, columns: dimension)
    }
}
