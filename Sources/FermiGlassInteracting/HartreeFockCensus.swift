import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

extension HartreeFockResult {
    /// The stability census of the paper's Sec. IV in the paramagnetic HF basis (the Eq. 14
    /// form): the orbitals phi_a of H_HF replace those of H0, with
    ///
    ///     eps_a  = <phi_a|H0|phi_a>                     (Eq. 14's single-particle energy)
    ///     chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2      over the window levels
    ///     core_a = sum_i |phi_a(i)|^2 n_core(i)         n_core: per-spin density below the window
    ///
    /// handed to ``StabilityCensus``, which forms E_1(a) = eps_a + U sum_{c != a} chi_ac n0_c and
    /// E_2(a,a) = 2 E_1(a) + U IPR_a. Window: levels occupied-K ..< occupied+K (CONVENTIONS.md
    /// `levels:K`). Identity (a check): at self-consistency E_1(a) = E_a - U IPR_a for occupied a
    /// and E_1(a) = E_a for empty a, with E_a the HF eigenvalue.
    ///
    /// Needs a paramagnetic solution with every orbital (as ``HartreeFock/solve`` returns).
    public func stabilityCensus(h0: CSRMatrix, windowHalfWidth k: Int) throws -> (census: StabilityCensus, levels: Range<Int>) {
        guard options.mode == .paramagnetic else {
            throw HartreeFockError.invalidArgument("the census is evaluated on the paramagnetic HF solution")
        }
        let pairs = up.orbitals
        let n = pairs.dimension
        guard pairs.count == n, k >= 1 else {
            throw HartreeFockError.invalidArgument("the census needs every HF orbital and a window half-width >= 1")
        }
        let occ = up.occupied
        let levels = max(0, occ - k)..<min(n, occ + k)
        let states = Array(levels)
        let chi = Overlaps.chi(pairs, states: states)
        let core = HartreeFock.Problem.density(pairs, occupied: levels.lowerBound)
        var eps = [Double](), shift = [Double]()
        var y = [Double](repeating: 0, count: n)
        for a in states {
            let v = pairs.vector(a)
            v.withUnsafeBufferPointer { vp in y.withUnsafeMutableBufferPointer { h0.multiply(vp, into: $0) } }
            var e = 0.0, s = 0.0
            for i in 0..<n { e += v[i] * y[i]; s += v[i] * v[i] * core[i] }
            eps.append(e)
            shift.append(s)
        }
        return (StabilityCensus(xi: eps, chi: chi, coreShift: shift, U: options.U, occupied: occ - levels.lowerBound), levels)
    }
}
