import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// One timed phase of the pipeline.
public enum BenchPhase: String, CaseIterable, Sendable {
    /// Building H0 in CSR form from the lattice and the disorder: O(N).
    case csrAssembly = "csr_assembly"
    /// Every eigenpair of the dense matrix (LAPACK dsyevd with vectors): O(N^3).
    case denseAll = "dense_all_eigenpairs"
    /// chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 for a window of K states around the Fermi index
    /// (one dsyrk, O(N K^2)); the input of the Monte Carlo and the census (Eqs. 9-10).
    case chiWindow = "chi_window"

    /// Phases of the dense path, whose cost is compared with the sparse path for the crossover.
    public var isDense: Bool { self == .denseAll }
}

/// The result of timing one phase at one lattice size.
public struct PhaseMeasurement: Sendable {
    public var phase: String
    public var lx: Int
    public var ly: Int
    public var sites: Int { lx * ly }
    public var timing: TimingSummary
    /// Peak resident set of the process while the phase ran (its inputs included), bytes.
    public var peakBytes: Int
    /// Phase-specific figures (eigenpairs per second, factor bytes, ...), in a fixed order.
    public var metrics: [(String, Double)]
}

/// Times the phases of the pipeline on the L x L lattices of a ladder, with the timed region
/// restricted to the phase itself: every input (the Hamiltonian, the eigenpairs for chi) is
/// built before the clock starts.
public struct PipelineBench: Sendable {
    /// Model parameters (the lattice size comes from the ladder).
    public var parameters: ModelParameters
    public var boundary: Boundary
    public var seed: UInt64
    /// Particles per site, for the Fermi index around which chi's window sits.
    public var filling: Double
    public var repeats: Int
    /// The dense phases run only up to this many sites.
    public var denseMaxSites: Int
    /// Number of states K in chi's window (the paper's Monte Carlo window is 2 x 100).
    public var chiStates: Int

    public init(parameters: ModelParameters = Preset.paper.parameters, boundary: Boundary = .periodic, seed: UInt64 = 1,
                filling: Double = Preset.paper.filling, repeats: Int = 3, denseMaxSites: Int = 4900, chiStates: Int = 200) {
        self.parameters = parameters
        self.boundary = boundary
        self.seed = seed
        self.filling = filling
        self.repeats = repeats
        self.denseMaxSites = denseMaxSites
        self.chiStates = chiStates
    }

    /// Realization 0 of `seed` on an L x L lattice.
    public func model(l: Int) throws -> DisorderedModel {
        try DisorderedModel(lattice: Lattice(lx: l, ly: l, boundary: boundary), parameters: parameters, seed: seed, realization: 0)
    }

    /// Times `body` `repeats` times; the peak memory is taken over all repeats.
    func time(_ body: () throws -> Void) rethrows -> (TimingSummary, Int) {
        let r = try Stopwatch.time(repeats: repeats, body)
        return (TimingSummary(r.times), r.peakBytes)
    }

    /// Measures `phases` on the L x L lattice. Dense phases (and chi, which needs dense
    /// eigenvectors here) are skipped above ``denseMaxSites``.
    public func measure(l: Int, phases: [BenchPhase]) throws -> [PhaseMeasurement] {
        let m = try model(l: l)
        let n = m.lattice.siteCount
        var out = [PhaseMeasurement]()
        func record(_ phase: BenchPhase, _ r: (TimingSummary, Int), _ metrics: [(String, Double)] = []) {
            out.append(PhaseMeasurement(phase: phase.rawValue, lx: l, ly: l, timing: r.0, peakBytes: r.1, metrics: metrics))
        }
        if phases.contains(.csrAssembly) {
            var nnz = 0
            let r = time { nnz = m.hamiltonian().nonzeroCount }
            record(.csrAssembly, r, [("nonzeros", Double(nnz)), ("sites_per_second", Double(n) / r.0.median)])
        }
        let h = m.hamiltonian()
        let wantsDense = phases.contains(.denseAll) || phases.contains(.chiWindow)
        guard wantsDense && n <= denseMaxSites else { return out }
        var pairs: Eigenpairs? = nil
        if phases.contains(.denseAll) {
            let r = try time { pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true) }
            record(.denseAll, r, [("eigenpairs_per_second", Double(n) / r.0.median)])
        }
        if phases.contains(.chiWindow) {
            let all = try pairs ?? DenseEigensolver.solve(h, selection: .all, vectors: true)
            let states = chiWindow(sites: n)
            var checksum = 0.0
            let r = time { checksum = Overlaps.chi(all, states: Array(states)).reduce(0, +) }
            precondition(checksum.isFinite)
            record(.chiWindow, r, [("states", Double(states.count)),
                                   ("overlaps_per_second", Double(states.count * states.count) / r.0.median)])
        }
        return out
    }

    /// The window of ``chiStates`` levels centred on the Fermi index N/2 (clipped to the spectrum).
    public func chiWindow(sites n: Int) -> Range<Int> {
        let fermi = (try? Filling(filling: filling, siteCount: n))?.fermiIndex ?? n / 2
        let k = min(chiStates, n)
        let lower = min(max(fermi - k / 2, 0), n - k)
        return lower..<(lower + k)
    }
}
