import FermiGlassModel
import Foundation

/// A cache of complete dense solutions, so that one run that computes several observables of
/// the same realization (`fermiglass reproduce`: Figs. 1, 2 and 3 and L_loc on the same W = 9
/// lattices) diagonalizes each Hamiltonian once. It is injected where it is used: a request
/// carries it (``EigenRequest/cache``), and nothing is cached behind a caller's back.
///
/// Off until enabled. When enabled, every dense request for eigenvectors goes through a full
/// `dsyevd` whose result is kept (least recently used entries are evicted beyond the
/// capacity) and every later request for the same matrix — compared entry by entry, so a
/// different realization can never be served — is answered by selecting from it. Residual and
/// orthogonality checks are made once, on the full set.
public final class EigenCache: @unchecked Sendable {
    public init(capacityBytes: Int = 0) { capacity = max(0, capacityBytes) }

    private struct Entry {
        var matrix: CSRMatrix
        var pairs: Eigenpairs
        var diagnostics: SolveDiagnostics
        var lastUse: Int
        var bytes: Int { 8 * (pairs.vectors.count + pairs.values.count) }
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var capacity = 0
    private var clock = 0
    /// Number of requests answered from the cache (for diagnostics and tests).
    public private(set) var hits = 0

    public var isEnabled: Bool { lock.lock(); defer { lock.unlock() }; return capacity > 0 }

    /// Serves `request` for `h` from the cache, solving and storing the full spectrum first when
    /// needed. Nil when the cache is off or the request does not go to the dense path.
    func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution? {
        guard isEnabled, Eigensolver.resolve(request.solver, sites: h.rowCount, selection: request.selection) == .dense else {
            return nil
        }
        lock.lock()
        clock += 1
        if let k = entries.firstIndex(where: { $0.matrix == h }) {
            entries[k].lastUse = clock
            hits += 1
            let e = entries[k]
            lock.unlock()
            var solution = try Self.select(request, from: e.pairs, h: h)
            solution.diagnostics = e.diagnostics
            solution.diagnostics.notes.append(("cache", "served from the full dense solution of this Hamiltonian computed earlier in this run"))
            return solution
        }
        lock.unlock()
        // Only requests for eigenvectors fill the cache; an eigenvalue-only request (the DOS of
        // another W, say) takes the ordinary, cheaper path.
        guard request.vectors else { return nil }
        let clockTime = ContinuousClock()
        let start = clockTime.now
        let full = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        var d = SolveDiagnostics(method: "dense (LAPACK dsyevd), cached")
        d.timings.append(("solve", (clockTime.now - start).seconds))
        d.certified = true
        d.maxResidual = full.maxResidual(of: h)
        d.maxOrthogonalityError = full.maxOrthogonalityError()
        lock.lock()
        entries.append(Entry(matrix: h, pairs: full, diagnostics: d, lastUse: clock))
        while entries.reduce(0, { $0 + $1.bytes }) > capacity && entries.count > 1 {
            let oldest = entries.indices.min { entries[$0].lastUse < entries[$1].lastUse }!
            entries.remove(at: oldest)
        }
        lock.unlock()
        var solution = try Self.select(request, from: full, h: h)
        solution.diagnostics = d
        return solution
    }

    /// The states of `request` taken from a complete ascending solution.
    static func select(_ request: EigenRequest, from full: Eigenpairs, h: CSRMatrix) throws -> EigenSolution {
        let (range, fermi) = try request.selection.levelRange(in: full.values, openShellTolerance: 1e-10 * h.infinityNorm)
        return EigenSolution(pairs: full.subset(range), diagnostics: SolveDiagnostics(method: "cache"), fermiLevel: fermi)
    }
}
