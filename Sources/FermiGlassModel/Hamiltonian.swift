#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A realization of the t-t'-W model: lattice, parameters and on-site energies W_i, with its
/// single-particle Hamiltonian H0 in CSR form (CONVENTIONS.md §1).
public struct DisorderedModel: Sendable {
    public let lattice: Lattice
    public let parameters: ModelParameters
    /// W_i per site (without the chemical potential), in site order i = x + Lx * y.
    public let onsiteEnergies: [Double]

    /// A model with explicit on-site energies (for example read from a disorder file).
    public init(lattice: Lattice, parameters: ModelParameters, onsiteEnergies: [Double], source: String = "the given disorder") throws {
        try parameters.validate()
        try Disorder.validate(onsiteEnergies, siteCount: lattice.siteCount, source: source)
        self.lattice = lattice
        self.parameters = parameters
        self.onsiteEnergies = onsiteEnergies
    }

    /// Realization `realization` of `seed` (see ``Disorder``).
    public init(lattice: Lattice, parameters: ModelParameters, seed: UInt64, realization: Int) throws {
        try parameters.validate()
        guard realization >= 0 else {
            throw ModelError.invalidParameter("realization index must be non-negative, got \(realization)")
        }
        self.lattice = lattice
        self.parameters = parameters
        self.onsiteEnergies = Disorder.onsiteEnergies(
            strength: parameters.disorderStrength, seed: seed, realization: realization, siteCount: lattice.siteCount)
    }

    /// The neighbour offsets and their hopping matrix elements: 4 nearest neighbours with t1 and
    /// 4 diagonal next-nearest neighbours with t2.
    var bonds: [(dx: Int, dy: Int, t: Double)] {
        let t1 = parameters.t1, t2 = parameters.t2
        return [(1, 0, t1), (-1, 0, t1), (0, 1, t1), (0, -1, t1),
                (1, 1, t2), (-1, -1, t2), (1, -1, t2), (-1, 1, t2)]
    }

    /// H0 as a CSR matrix: sorted, symmetric, duplicate-free, with the full diagonal
    /// H_ii = W_i - mu stored. Hoppings that are exactly zero are not stored.
    public func hamiltonian() -> CSRMatrix {
        assemble(rows: lattice.siteCount, site: { $0 }, local: { $0 })
    }

    /// The CSR rows of H0 on `rows` sites: row l is lattice site `site(l)`, and a bond to lattice
    /// site j lands in column `local(j)` (nil: outside, the bond is cut). Each row holds the
    /// diagonal W_i - mu and the non-zero hoppings, sorted by column, duplicates merged.
    func assemble(rows n: Int, site: (Int) -> Int, local: (Int) -> Int?) -> CSRMatrix {
        let bonds = self.bonds.filter { $0.t != 0 }
        var rowPointers = [Int](repeating: 0, count: n + 1)
        var columns = [Int32]()
        var values = [Double]()
        columns.reserveCapacity(n * (bonds.count + 1))
        values.reserveCapacity(n * (bonds.count + 1))
        var row = [(Int32, Double)]()
        row.reserveCapacity(bonds.count + 1)
        for l in 0..<n {
            let i = site(l)
            row.removeAll(keepingCapacity: true)
            row.append((Int32(l), onsiteEnergies[i] - parameters.mu))
            for b in bonds {
                if let j = lattice.neighbour(of: i, dx: b.dx, dy: b.dy), let c = local(j) { row.append((Int32(c), b.t)) }
            }
            row.sort { $0.0 < $1.0 }
            // Merge entries that land on the same column (cannot happen for Lx, Ly >= 3 on
            // periodic directions, which Lattice enforces; kept so the invariant is local).
            var k = 0
            while k < row.count {
                var v = row[k].1
                var m = k + 1
                while m < row.count && row[m].0 == row[k].0 { v += row[m].1; m += 1 }
                columns.append(row[k].0)
                values.append(v)
                k = m
            }
            rowPointers[l + 1] = columns.count
        }
        let h = CSRMatrix(rowCount: n, columnCount: n, rowPointers: rowPointers, columnIndices: columns, values: values)
        #if FERMIGLASS_INTERNAL_CHECKS
        if let p = h.symmetryProblem() { preconditionFailure("Hamiltonian is not symmetric: \(p)") }
        #endif
        return h
    }

    /// The clean-lattice dispersion e(k) = 2 t1 (cos kx + cos ky) + 4 t2 cos kx cos ky - mu for
    /// k = 2 pi (m/Lx, n/Ly), ascending: the exact spectrum at W = 0 with periodic boundaries.
    public static func cleanSpectrum(lattice: Lattice, parameters p: ModelParameters) -> [Double] {
        var e = [Double]()
        e.reserveCapacity(lattice.siteCount)
        for n in 0..<lattice.ly {
            for m in 0..<lattice.lx {
                let kx = 2 * Double.pi * Double(m) / Double(lattice.lx)
                let ky = 2 * Double.pi * Double(n) / Double(lattice.ly)
                e.append(2 * p.t1 * (cos(kx) + cos(ky)) + 4 * p.t2 * cos(kx) * cos(ky) - p.mu)
            }
        }
        return e.sorted()
    }
}
