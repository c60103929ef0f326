import FermiGlassModel

/// The sparse path: LDL^T factors of H - sigma (MUMPS / CHOLMOD), block Krylov-Schur (or
/// ARPACK) shift-invert, spectrum slicing, every window certified by Sylvester inertia counts
/// (``ShiftInvertSolver``). With `.local` storage each slice is compressed as soon as it is
/// solved, so the peak holds one slice's dense vectors, not the window's.
public struct ShiftInvertBackend: EigensolverBackend {
    public init() {}
    public var name: String { "shift-invert" }

    public func solve(_ h: CSRMatrix, _ request: EigenRequest) throws -> EigenSolution {
        let n = h.rowCount
        let engine = try ShiftInvertSolver(h, options: request.engine)
        var fermi: FermiLevel?
        var certified = true
        var pairs: Eigenpairs
        var local: LocalEigenstates?
        var compressed: LocalEigenstates?
        let compressing: Bool
        if case .local(let lattice, _) = request.storage, request.vectors {
            compressing = true
            compressed = LocalEigenstates(lattice: lattice)
        } else {
            compressing = false
        }
        /// Every level of [lower, upper): dense, or compressed slice by slice.
        func window(_ lower: Double, _ upper: Double) throws -> Eigenpairs {
            guard compressing, case .local(let lattice, let w) = request.storage else { return try engine.window(lower, upper) }
            var values = [Double]()
            let (first, _) = try engine.window(lower, upper, holdingAll: false) { slice in
                values += slice.values
                compressed!.append(contentsOf: try LocalEigenstates(compressing: slice, lattice: lattice, maxDiscardedWeight: w))
            }
            compressed!.firstLevel = first
            return Eigenpairs(values: values, vectors: [], dimension: n, firstLevel: first)
        }
        /// Levels `r`, found as a window by inertia and cut to the range.
        func levels(_ r: Range<Int>) throws -> Eigenpairs {
            guard compressing else { return try engine.levels(r) }
            let (a, b) = try engine.levelWindow(r)
            let w = try window(a, b)
            let offset = r.lowerBound - w.firstLevel!
            compressed = compressed!.subset(offset..<(offset + r.count))
            return w.subset(offset..<(offset + r.count))
        }
        switch request.selection {
        case .all:
            throw SolverError.invalidArgument("shift-invert computes states near an energy, not the whole spectrum; give \(.sigma)/\(.count) or \(.window), or use \(.solver) dense")
        case .levels(let r):
            pairs = try levels(r)
        case .energies(let e):
            pairs = try window(e.lowerBound, e.upperBound.nextUp)
        case .nearest(let sigma, let k):
            let r = try engine.nearest(sigma: sigma, count: k)
            pairs = r.pairs
            certified = r.certified
        case .fermiWindow(let f, let win):
            switch win {
            case .levels(let k):
                guard f - k >= 0, f + k <= n else {
                    throw SolverError.emptySelection("window levels:\(k) needs levels \(f - k)..<\(f + k), outside the spectrum 0..<\(n)")
                }
                // The window holds levels N/2-1 and N/2: the Fermi level comes with it.
                pairs = try levels((f - k)..<(f + k))
                fermi = FermiLevel(highestOccupied: pairs.values[k - 1], lowestEmpty: pairs.values[k],
                                   openShell: pairs.values[k] - pairs.values[k - 1] <= 1e-10 * h.infinityNorm)
            case .energy(let dE):
                let level = try engine.fermiLevel(fermiIndex: f)
                fermi = level
                pairs = try window(level.energy - dE, (level.energy + dE).nextUp)
            }
        }
        if compressing { local = compressed }
        let s = engine.statistics
        let krylov = request.engine.lanczos.method == .arpack ? "ARPACK dsaupd mode 3" : "block Krylov-Schur"
        var d = SolveDiagnostics(method: "shift-invert (\(s.factorization) + \(krylov))")
        d.certified = certified
        d.timings = [("analysis", s.analysisSeconds), ("factorization", s.factorSeconds),
                     ("lanczos", s.lanczosSeconds), ("lanczos_solves", s.solveSeconds),
                     ("lanczos_orthogonalization", s.orthogonalizationSeconds), ("lanczos_restarts", s.restartSeconds),
                     ("eigenvectors", s.eigenvectorSeconds)]
        d.counters = [("factor_nonzeros", s.factorNonzeros), ("factorizations", s.factorizations),
                      ("lanczos_runs", s.lanczosRuns), ("solves", s.solves), ("restarts", s.restarts),
                      ("shift_nudges", s.nudges.count), ("block_size", s.blockSize)]
        d.notes = [("ordering", s.ordering),
                   ("ordering_fill", s.orderingFill.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))]
        if !s.nudges.isEmpty {
            d.notes.append(("nudged_shifts", s.nudges.map { "\($0.0) -> \($0.1)" }.joined(separator: ", ")))
        }
        return EigenSolution(pairs: pairs, diagnostics: d, fermiLevel: fermi, local: local)
    }
}
