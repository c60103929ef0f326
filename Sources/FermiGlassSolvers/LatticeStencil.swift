import FermiGlassModel

/// The t-t'-W Hamiltonian H0 of a ``DisorderedModel`` as a matrix-free operator: it stores only
/// the on-site energies H_ii = W_i - mu (8 bytes a site) and the two hoppings, and applies the
/// nine-point stencil
///
///     (H x)_i = (W_i - mu) x_i + t1 sum_{nearest j} x_j + t2 sum_{diagonal j} x_j
///
/// (CONVENTIONS.md §1; t1 = 1, lattice constant 1) to a block of vectors at once. A Chebyshev
/// step then moves about 32 bytes a site (read T_n and T_{n-1}, write T_{n+1}, the on-site
/// energy shared by the block) where a CSR product also reads ~9 values and 9 column indices
/// (~110 bytes a site).
///
/// Bit for bit the CSR product of ``DisorderedModel/hamiltonian()``: every row is summed from
/// 0.0 in increasing column order, skipping zero hoppings and bonds cut by open boundaries
/// (the C kernel `fg_stencil_apply`). Rows are split over `threads` threads in fixed chunks,
/// so the result does not depend on the thread count either.
public struct LatticeStencil: LinearOperator, Sendable {
    public let lattice: Lattice
    public let t1: Double
    public let t2: Double
    /// H_ii = W_i - mu, site order i = x + Lx y.
    public let onsite: [Double]
    /// Threads over which rows are split (any count gives the same bits).
    public var threads: Int

    public init(model: DisorderedModel, threads: Int = 1) {
        lattice = model.lattice
        t1 = model.parameters.t1
        t2 = model.parameters.t2
        let mu = model.parameters.mu
        onsite = model.onsiteEnergies.map { $0 - mu }
        self.threads = max(1, threads)
    }

    public var dimension: Int { lattice.siteCount }

    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        ChebyshevKernels.stencilApply(self, x, into: y, columns: columns, threads: threads)
    }

    /// Gershgorin's interval: every eigenvalue lies in [min_i H_ii - r, max_i H_ii + r] with
    /// r = 4 |t1| + 4 |t2| (fewer bonds at open edges only shrink the discs).
    public var gershgorinInterval: ClosedRange<Double> {
        let r = 4 * abs(t1) + 4 * abs(t2)
        return (onsite.min()! - r)...(onsite.max()! + r)
    }
}

extension LatticeStencil: ChebyshevStepping {
    func chebyshevStep(columns: Int, v: UnsafePointer<Double>, w: UnsafeMutablePointer<Double>, shift: Double,
                       inverseScale: Double, first: Bool, dots: Bool, threads: Int) -> [Double] {
        ChebyshevKernels.stencilStep(self, columns: columns, v: v, w: w, shift: shift, inverseScale: inverseScale,
                                     first: first, dots: dots, threads: threads)
    }
}

extension CSRMatrix {
    /// Gershgorin's interval [min_i (H_ii - r_i), max_i (H_ii + r_i)], r_i = sum_{j != i} |H_ij|:
    /// every eigenvalue of a symmetric H lies in it.
    public var gershgorinInterval: ClosedRange<Double> {
        var lo = Double.infinity, hi = -Double.infinity
        for r in 0..<rowCount {
            var d = 0.0, off = 0.0
            for k in rowPointers[r]..<rowPointers[r + 1] {
                if Int(columnIndices[k]) == r { d += values[k] } else { off += abs(values[k]) }
            }
            lo = min(lo, d - off); hi = max(hi, d + off)
        }
        return lo...hi
    }
}
