import Testing
import FermiGlassModel
@testable import FermiGlassSolvers
import FermiGlassTestSupport

/// The t-t'-W Hamiltonian of an L x L lattice (W = 9 unless given, seed 7).
func hamiltonian(_ l: Int, boundary: Boundary = .periodic, t2: Double = 0.6, w: Double = 9, seed: UInt64 = 7) throws -> CSRMatrix {
    let lattice = try Lattice(lx: l, ly: l, boundary: boundary)
    let p = ModelParameters(t1: 1, t2: t2, disorderStrength: w, mu: 0)
    return try DisorderedModel(lattice: lattice, parameters: p, seed: seed, realization: 0).hamiltonian()
}

/// Compares `sparse` with the dense eigenpairs of the same levels: eigenvalues to `tol`, and
/// for every cluster of levels closer than 1e-7 the same invariant subspace. The sine of the
/// largest principal angle between span(sparse cluster) and span(dense cluster) is at most
/// ||(I - Vd Vd^T) Vs||_F, which must be below 1e-6 (this also covers isolated levels "up to sign").
func expectSameEigenpairs(_ sparse: Eigenpairs, _ dense: Eigenpairs, tol: Double = 1e-10, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sparse.count == dense.count, sourceLocation: sourceLocation)
    guard sparse.count == dense.count else { return }
    let worstValue = zip(sparse.values, dense.values).map { abs($0 - $1) }.max() ?? 0
    #expect(worstValue < tol, "eigenvalues differ by \(worstValue)", sourceLocation: sourceLocation)
    guard sparse.hasVectors, dense.hasVectors else { return }
    let n = dense.dimension
    var start = 0
    var worstAngle = 0.0
    while start < dense.count {
        var end = start + 1
        while end < dense.count && dense.values[end] - dense.values[end - 1] < 1e-7 { end += 1 }
        var frob = 0.0
        for a in start..<end {
            var v = sparse.vector(a)
            for b in start..<end {
                var dot = 0.0
                for i in 0..<n { dot += dense.component(i, of: b) * v[i] }
                for i in 0..<n { v[i] -= dot * dense.component(i, of: b) }
            }
            frob += v.reduce(0) { $0 + $1 * $1 }
        }
        worstAngle = max(worstAngle, frob.squareRoot())
        start = end
    }
    #expect(worstAngle < 1e-6, "largest principal angle bound \(worstAngle)", sourceLocation: sourceLocation)
}

@Suite struct ShiftInvertVersusDense {
    @Test(.slow, .tags(.slow), arguments: [(Boundary.periodic, 0.6), (.periodic, -0.6), (.open, 0.6), (.open, -0.6)],
          [(KrylovMethod.block, FactorizationBackend.mumps), (.block, .cholmod), (.arpack, .mumps)])
    func nearestSolveMatchesDense30(_ lattice: (Boundary, Double), solver: (KrylovMethod, FactorizationBackend)) throws {
        let (boundary, t2) = lattice
        let h = try hamiltonian(30, boundary: boundary, t2: t2)
        let dense = try DenseEigensolver.solve(h, selection: .all)
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(lanczos: LanczosOptions(method: solver.0), factorization: solver.1))
        let sigma = 0.37
        let (pairs, certified) = try engine.nearest(sigma: sigma, count: 24)
        #expect(certified)
        let first = try #require(pairs.firstLevel)
        expectSameEigenpairs(pairs, dense.subset(first..<(first + 24)))
        // These are the 24 levels closest to sigma: the next ones out are farther away.
        let radius = pairs.values.map { abs($0 - sigma) }.max()!
        if first > 0 { #expect(abs(dense.values[first - 1] - sigma) >= radius) }
        if first + 24 < dense.count { #expect(abs(dense.values[first + 24] - sigma) >= radius) }
        #expect(pairs.maxResidual(of: h) < 1e-10)
        #expect(pairs.maxOrthogonalityError() < 1e-12)
    }

    @Test(.slow, .tags(.slow), arguments: [(Boundary.periodic, 0.6, FactorizationBackend.mumps), (.open, -0.6, .mumps), (.periodic, 0.6, .cholmod)])
    func slicedWindowMatchesDense60(boundary: Boundary, t2: Double, backend: FactorizationBackend) throws {
        let h = try hamiltonian(60, boundary: boundary, t2: t2)
        let fermiIndex = 1500  // filling 5/6 on 3600 sites
        let range = (fermiIndex - 150)..<(fermiIndex + 150)
        let dense = try DenseEigensolver.solve(h, selection: .levels(range))
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(sliceCapacity: 80, factorization: backend))
        let pairs = try engine.levels(range)
        #expect(pairs.firstLevel == range.lowerBound)
        #expect(engine.statistics.lanczosRuns >= 4, "300 levels with capacity 80 must take several slices")
        expectSameEigenpairs(pairs, dense)
        #expect(pairs.maxOrthogonalityError() < 1e-10)
        // The single-solve path on the same lattice.
        let single = try engine.nearest(sigma: dense.values[150], count: 12)
        #expect(single.certified)
        let f = try #require(single.pairs.firstLevel)
        expectSameEigenpairs(single.pairs, dense.subset((f - range.lowerBound)..<(f - range.lowerBound + 12)))
    }

    /// Large runs skip the Rayleigh-Ritz projection and sort Rayleigh quotients with an
    /// in-place column permutation: forced here on a small lattice, the result must still be
    /// the dense eigenpairs, ascending.
    @Test func rayleighQuotientPathMatchesDense() throws {
        let h = try hamiltonian(30)
        let dense = try DenseEigensolver.solve(h, selection: .all)
        var options = ShiftInvertOptions()
        options.rayleighRitzLimitBytes = 0
        let (pairs, certified) = try ShiftInvertSolver(h, options: options).nearest(sigma: 0.11, count: 30)
        #expect(certified)
        let first = try #require(pairs.firstLevel)
        #expect(pairs.values == pairs.values.sorted())
        expectSameEigenpairs(pairs, dense.subset(first..<(first + 30)))
    }

    @Test(arguments: FactorizationBackend.allCases)
    func inertiaCountsMatchDense(backend: FactorizationBackend) throws {
        let h = try hamiltonian(30, t2: -0.6)
        let values = try DenseEigensolver.solve(h, vectors: false).values
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(factorization: backend))
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20 {
            let e = -9.0 + 18.0 * SplitMix64.unitDouble(rng.next())
            let (c, used) = try engine.count(below: e)
            #expect(c == values.filter { $0 < used }.count, "count below \(e)")
        }
    }

    /// The two factorizations are independent codes (MUMPS: multifrontal with 1x1/2x2 threshold
    /// pivoting; CHOLMOD: simplicial without pivoting): their inertia must agree everywhere,
    /// including shifts placed exactly on an eigenvalue (both must nudge off it) and on the
    /// exactly degenerate levels of the clean lattice.
    @Test(arguments: [9.0, 0.0])
    func backendsAgreeOnInertia(w: Double) throws {
        let h = try hamiltonian(24, t2: w == 0 ? 0 : 0.6, w: w)
        let values = try DenseEigensolver.solve(h, vectors: false).values
        let mumps = try ShiftInvertSolver(h, options: ShiftInvertOptions(factorization: .mumps))
        let cholmod = try ShiftInvertSolver(h, options: ShiftInvertOptions(factorization: .cholmod))
        var energies = stride(from: 0, to: values.count, by: 37).map { values[$0] }  // on eigenvalues
        var rng = SplitMix64(seed: 5)
        for _ in 0..<20 { energies.append(-8 + 16 * SplitMix64.unitDouble(rng.next())) }
        // A level within rounding (1e-11) of the shift may count either way; anything else may not.
        func expectCount(_ c: (count: Int, energy: Double), _ name: String) {
            let lo = values.filter { $0 < c.energy - 1e-11 }.count, hi = values.filter { $0 < c.energy + 1e-11 }.count
            #expect(c.count >= lo && c.count <= hi, "\(name) count \(c.count) below \(c.energy), dense \(lo)...\(hi)")
        }
        for e in energies {
            let a = try mumps.count(below: e), b = try cholmod.count(below: e)
            expectCount(a, "MUMPS")
            expectCount(b, "CHOLMOD")
            if !values.contains(where: { abs($0 - e) < 1e-7 }) { #expect(a.count == b.count && a.energy == e && b.energy == e) }
        }
        #expect(mumps.statistics.factorization == FactorizationBackend.mumps.description)
        #expect(mumps.statistics.blockSize == 8 && cholmod.statistics.blockSize == 8)
    }

    @Test(arguments: [Boundary.periodic, .open])
    func fermiEnergyMatchesDense(boundary: Boundary) throws {
        let h = try hamiltonian(30, boundary: boundary)
        let values = try DenseEigensolver.solve(h, vectors: false).values
        let f = 375  // filling 5/6 on 900 sites
        let level = try ShiftInvertSolver(h).fermiLevel(fermiIndex: f)
        #expect(abs(level.highestOccupied - values[f - 1]) < 1e-10)
        #expect(abs(level.lowestEmpty - values[f]) < 1e-10)
        #expect(abs(level.energy - 0.5 * (values[f - 1] + values[f])) < 1e-10)
        #expect(!level.openShell)
    }

    @Test(.slow, .tags(.slow), arguments: [(KrylovMethod.block, FactorizationBackend.mumps), (.block, .cholmod), (.arpack, .mumps)])
    func cleanLatticeDegeneraciesHaveFullMultiplicity(solver: (KrylovMethod, FactorizationBackend)) throws {
        // W = 0, t2 = 0: cos kx + cos ky levels with multiplicities 1, 2, 4, 8.
        let h = try hamiltonian(30, t2: 0, w: 0)
        let dense = try DenseEigensolver.solve(h, selection: .energies(-2.6 ... -1.9))
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(lanczos: LanczosOptions(method: solver.0), sliceCapacity: 40,
                                                                          factorization: solver.1))
        let pairs = try engine.window(-2.6, -1.9)
        #expect(dense.count > 60)
        expectSameEigenpairs(pairs, dense)
        // The largest multiplicity in the window is found in full.
        var multiplicity = 1, run = 1
        for a in 1..<pairs.count {
            run = pairs.values[a] - pairs.values[a - 1] < 1e-9 ? run + 1 : 1
            multiplicity = max(multiplicity, run)
        }
        #expect(multiplicity >= 8)
    }
}

@Suite struct ShiftInvertFailures {
    @Test func tooSmallSliceCountIsReportedIncomplete() throws {
        let h = try hamiltonian(30)
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(sliceCapacity: 40, forcedSliceCount: 10))
        #expect {
            _ = try engine.levels(300..<340)
        } throws: { error in
            guard case SolverError.incompleteWindow(let expected, let found, let message) = error else { return false }
            return found < expected && message.description.contains("incomplete")
        }
    }

    @Test func typedErrorsForImpossibleRequests() throws {
        let h = try hamiltonian(6)
        let engine = try ShiftInvertSolver(h)
        #expect(throws: SolverError.invalidArgument("asked for 36 eigenpairs of a 36-site matrix; shift-invert needs count < sites, use \(.solver) dense")) {
            _ = try engine.nearest(sigma: 0, count: 36)
        }
        let small = try ShiftInvertSolver(h, options: ShiftInvertOptions(lanczos: LanczosOptions(basisSize: 5)))
        #expect {
            _ = try small.nearest(sigma: 0, count: 5)
        } throws: { error in
            guard case SolverError.invalidArgument(let m) = error else { return false }
            return m.description.contains("ncv = 5") && m.pieces.contains(.parameter(.basisSize))
        }
        #expect(throws: SolverError.self) { _ = try engine.window(1, 1) }
        #expect(throws: SolverError.self) {
            _ = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: .all))
        }
    }

    @Test(arguments: KrylovMethod.allCases)
    func noConvergenceSaysWhatToChange(method: KrylovMethod) throws {
        let h = try hamiltonian(20)
        let engine = try ShiftInvertSolver(h, options: ShiftInvertOptions(lanczos: LanczosOptions(basisSize: 48, maxRestarts: 1, method: method)))
        #expect {
            _ = try engine.nearest(sigma: 0.1, count: 30)
        } throws: { error in
            guard case SolverError.noConvergence(let converged, let requested, let m) = error else { return false }
            return converged < requested && m.pieces.contains(.parameter(.maxRestarts)) && m.pieces.contains(.parameter(.basisSize))
        }
    }
}

@Suite struct ShiftInvertDeterminismAndStorage {
    @Test func sameSeedGivesBitIdenticalResults() throws {
        let h = try hamiltonian(24)
        let a = try ShiftInvertSolver(h).nearest(sigma: -0.2, count: 10).pairs
        let b = try ShiftInvertSolver(h).nearest(sigma: -0.2, count: 10).pairs
        #expect(a.values == b.values)
        #expect(a.vectors == b.vectors)
    }

    @Test func compressedStorageAccountsForDiscardedWeight() throws {
        let h = try hamiltonian(24)
        let pairs = try ShiftInvertSolver(h).nearest(sigma: 0.5, count: 6).pairs
        let all = try CompressedEigenvectors(pairs, threshold: 0)
        #expect(all.maxDiscardedWeight == 0)
        #expect(all.vector(3) == pairs.vector(3).map { $0 == 0 ? 0 : $0 })
        let c = try CompressedEigenvectors(pairs, threshold: 1e-8)
        for a in 0..<pairs.count {
            let v = pairs.vector(a)
            let dropped = v.filter { $0 * $0 < 1e-8 }.reduce(0) { $0 + $1 * $1 }
            #expect(abs(c.discardedWeight[a] - dropped) < 1e-15)
            #expect(c.discardedWeight[a] < 1e-8 * Double(v.count))
        }
        #expect(c.bytes < 12 * pairs.count * pairs.dimension)
    }

    @Test(.slow, .tags(.slow)) func seamMatchesDenseForFermiWindows() throws {
        let h = try hamiltonian(30)
        for window in [FermiWindow.levels(40), .energy(0.3)] {
            let request = EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: 375, window: window),
                                       engine: ShiftInvertOptions(sliceCapacity: 30))
            let sparse = try Eigensolver.solve(h, request)
            var denseRequest = request
            denseRequest.solver = .dense
            let dense = try Eigensolver.solve(h, denseRequest)
            #expect(sparse.diagnostics.certified)
            #expect(sparse.diagnostics.maxResidual < 1e-10)
            #expect(sparse.diagnostics.maxOrthogonalityError < 1e-10)
            #expect(abs(sparse.fermiLevel!.energy - dense.fermiLevel!.energy) < 1e-10)
            expectSameEigenpairs(sparse.pairs, dense.pairs)
        }
    }
}

/// FermiGlass's interleaved solve over CHOLMOD's simplicial factor (`fg_ldl_solve`), against
/// CHOLMOD's own `cholmod_solve2` and against the residual of H - sigma, for column counts that
/// take each kernel width (1, 3 = generic, 8, and 13 = 8 + generic 5), split over 1-3 threads.
@Suite struct InterleavedLDLSolve {
    @Test(arguments: [(30, Boundary.periodic, 0.37), (41, .open, -1.2)])
    func matchesCHOLMODAndTheResidualOnAnyThreadCount(_ l: Int, _ boundary: Boundary, _ sigma: Double) throws {
        let h = try hamiltonian(l, boundary: boundary)
        let n = h.rowCount
        let ldl = try LDLFactorization(h)
        #expect(try ldl.factorize(sigma: sigma, tinyPivot: 1e-12) == false)
        var rng = SplitMix64(seed: 11, stream: 3)
        for columns in [1, 3, 8, 13] {
            let b = (0..<(n * columns)).map { _ in Double(rng.next() >> 11) * 0x1.0p-53 - 0.5 }
            func solve(threads: Int?) throws -> [Double] {
                var x = [Double](repeating: .nan, count: n * columns)
                try b.withUnsafeBufferPointer { bp in
                    try x.withUnsafeMutableBufferPointer { xp in
                        if let t = threads {
                            try ldl.solve(bp.baseAddress!, into: xp.baseAddress!, columns: columns, threads: t)
                        } else {
                            try ldl.solveWithCHOLMOD(bp.baseAddress!, into: xp.baseAddress!, columns: columns)
                        }
                    }
                }
                return x
            }
            let x1 = try solve(threads: 1), reference = try solve(threads: nil)
            // Each column's arithmetic does not depend on how the columns are split.
            #expect(try solve(threads: 2) == x1, "2 threads differ from 1 (\(columns) columns)")
            #expect(try solve(threads: 3) == x1, "3 threads differ from 1 (\(columns) columns)")
            let scale = reference.map(abs).max()!
            let worst = zip(x1, reference).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-10 * scale, "differs from cholmod_solve2 by \(worst) (|x| up to \(scale), \(columns) columns)")
            // (H - sigma) x = b column by column.
            var hx = [Double](repeating: 0, count: n)
            var residual = 0.0
            for c in 0..<columns {
                let xc = Array(x1[(c * n)..<((c + 1) * n)])
                xc.withUnsafeBufferPointer { xp in hx.withUnsafeMutableBufferPointer { h.multiply(xp, into: $0) } }
                for i in 0..<n { residual = max(residual, abs(hx[i] - sigma * xc[i] - b[i + c * n])) }
            }
            #expect(residual <= 1e-11 * scale, "residual \(residual) (|x| up to \(scale), \(columns) columns)")
        }
    }
}

/// The choice among cached inertia counts behind `levels(_:)`'s window ends: deterministic,
/// whatever order the cache (a dictionary, ordered per process) lists them in.
@Suite struct CachedCountChoice {
    /// Two acceptable entries, fed in both orders: the one whose count is nearest the goal
    /// (target -+ slack / 2) is chosen either way; on a tie in distance, the lower energy.
    @Test func twoAcceptableEntriesInBothOrders() {
        typealias Entry = (energy: Double, count: Int)
        // From below, target 100, slack 8: acceptable 92...100, goal 96. 97 beats 93; 105 is out.
        let below: [Entry] = [(1.0, 93), (1.5, 97), (2.0, 105)]
        for entries in [below, below.reversed()] {
            #expect(ShiftInvertSolver.acceptedEnergy(entries, target: 100, slack: 8, fromBelow: true) == 1.5)
        }
        // From above, target 100, slack 8: acceptable 100...108, goal 104; 103 and 105 tie.
        let above: [Entry] = [(2.5, 105), (2.25, 103), (1.0, 99)]
        for entries in [above, above.reversed()] {
            #expect(ShiftInvertSolver.acceptedEnergy(entries, target: 100, slack: 8, fromBelow: false) == 2.25)
        }
        // Nothing acceptable.
        #expect(ShiftInvertSolver.acceptedEnergy([(1.0, 50), (3.0, 150)], target: 100, slack: 8, fromBelow: true) == nil)
    }
}
