import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// The Stoner/RPA criterion of the paper's Appendix A over the realizations of one model and a
/// list of U: the study behind `fermiglass linear-stability`.
///
/// Per realization, the paramagnetic Hartree-Fock U sweep of ``HartreeFockStudy`` (warm
/// starts, checkpoint), and on each converged solution the largest eigenvalues of the per-spin
/// static susceptibility Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) /
/// (E_b - E_a) (``SusceptibilityOperator``, block Krylov-Schur): U lambda_max(Pi) >= 1 predicts
/// a magnetic instability. Only pairs with E_b - E_a > delta = 1e-8 max(1, max |E_a|) are summed;
/// when any pair is left out, lambda_max is refused (the Hessian's lowest eigenvalue is then the
/// criterion). Also the stability census of the HF orbitals in a window of K levels per side.
public struct LinearStabilityStudy: Study {
    /// The paramagnetic HF sweep.
    public var hartreeFock: HartreeFockStudy
    /// Largest eigenvalues of Pi to compute.
    public var eigenvalues: Int = 1
    /// Relative residual tolerance |Pi y - lambda y| <= tol lambda_max.
    public var tolerance: Double = 1e-8
    /// Krylov block size (nil: eigenvalues + 1).
    public var block: Int?
    /// Census window: K occupied and K empty HF orbitals around E_F.
    public var window: Int = 100

    /// delta of the pair filter, relative to max(1, max |E_a|).
    public static let pairGapThreshold = 1e-8

    public init(hartreeFock: HartreeFockStudy) { self.hartreeFock = hartreeFock }

    /// One (realization, U).
    public struct Point: Codable, Sendable {
        public var U: Double
        public var folder: String
        public var converged: Bool
        /// Why the Hartree-Fock solve did not converge.
        public var error: String?
        @Packed public var piEigenvalues: [Double] = []
        @Packed public var leadingVector: [Double] = []
        /// The row of linear_stability.csv.
        public var row: [String]
        /// The `results` entry of summary.json.
        public var entry: JSON
    }

    public struct Record: Codable, Sendable {
        public var realization: Int
        public var points: [Point]
    }

    public var units: [Int] { hartreeFock.units }

    public func record(for r: Int) throws -> Record {
        let sites = hartreeFock.spec.lattice.siteCount
        let occupied = (hartreeFock.spec.filling?.particles ?? 0) / 2
        let points = try hartreeFock.sweep(realization: r, entry: \Point.entry) { u, h0, hf, hfSeconds in
            let folder = HartreeFockCheckpoint.folder(realization: r, U: u)
            let clock = ContinuousClock(), t1 = clock.now
            var delta = Self.pairGapThreshold * max(1, hf.up.orbitals.values.map { abs($0) }.max() ?? 1)
            // No aufbau paramagnet (the self-consistency ended by maximum overlap, with an empty
            // level below an occupied one): the reference is the lowest paramagnetic state with
            // fractional occupation at E_F (Appendix A made unambiguous; FractionalParamagnet).
            let fractional = hf.up.aufbauViolations > 0 && u >= 0
                ? try HartreeFock.fractionalParamagnet(h0: h0, particles: 2 * occupied, U: u, initial: hf.up.density) : nil
            let op: SusceptibilityOperator
            if let fp = fractional {
                delta = fp.delta
                op = try SusceptibilityOperator(orbitals: fp.orbitals, occupations: fp.occupations, minimumGap: fp.delta)
            } else {
                op = try SusceptibilityOperator(orbitals: hf.up.orbitals, occupied: occupied, minimumGap: delta)
            }
            let res = try LinearStability.largestEigenvalues(of: op, count: eigenvalues, block: block, tolerance: tolerance)
            let piSeconds = (clock.now - t1).seconds
            let fractionalBlock = fractional.map { !$0.isAufbau } ?? false
            let refused = op.excludedPairs > 0 || fractionalBlock
            let lambda = refused ? Double.nan : res.eigenvalues[0]
            var refusal: String? = nil
            if let fp = fractional, fractionalBlock {
                refusal = "lambda_max refused: no aufbau paramagnet exists at U = \(u) (the self-consistent aufbau stalls); the lowest paramagnetic "
                    + "state occupies the \(fp.block.levels.count) levels at E_F (levels \(fp.block.levels.lowerBound)..<\(fp.block.levels.upperBound), "
                    + "degenerate within delta = \(fp.delta)) fractionally (\(fp.blockOccupations.map { String(format: "%.4f", $0) }.joined(separator: ", "))); "
                    + "pi_eigenvalues sum only the pairs with E_b - E_a > delta and are not the Stoner criterion."
            } else if refused {
                refusal = "lambda_max refused: \(op.excludedPairs) occupied-empty pairs of the paramagnetic reference have E_b - E_a <= \(delta) "
                    + "(a degenerate block at E_F, or an empty level below an occupied one); Pi over the other pairs is not the "
                    + "Stoner criterion. hessian_min_eigenvalue is the second-order stability of this state."
            }
            if let m = refusal { hartreeFock.hooks.warning?("realization \(r), U = \(u): \(m)") }
            let gap = (hf.up.lowestEmpty ?? .nan) - (hf.up.highestOccupied ?? .nan)
            let (census, levels) = try hf.stabilityCensus(h0: h0, windowHalfWidth: window)
            let rule = fractional.map { $0.isAufbau ? "aufbau" : "fractional" }
                ?? (hf.options.occupation == .maximumOverlap ? "maximum-overlap" : "aufbau")
            let unstable: String = refused ? "" : (u * lambda >= 1 ? "1" : "0")
            let head: [String] = [String(r), "\(u)", "true", "\(lambda)", "\(u * lambda)", unstable, "\(gap)", rule]
            let tail: [String] = [String(hf.up.aufbauViolations), String(census.oneSided), String(census.twoSided), "\(census.muStar)",
                                  String(res.products), "\(hfSeconds)", "\(piSeconds)"]
            let entry: JSON = .object([
                ("realization", .int(r)), ("U", .number(u)), ("hf_converged", .bool(true)), ("directory", .string(folder)),
                ("hf_energy", .number(hf.energy)), ("hf_iterations", .int(hf.iterations)),
                ("hf_runs", HartreeFockStudy.runs(hf)),
                ("homo_lumo_gap", .number(gap)), ("occupation", .string(rule)),
                ("aufbau_violations", .int(hf.up.aufbauViolations)),
                ("census", .object([("window_levels", .ints([levels.lowerBound, levels.upperBound])),
                                    ("one_sided", .int(census.oneSided)), ("two_sided", .int(census.twoSided)),
                                    ("mu_star", .number(census.muStar))])),
                ("pi_eigenvalues", .numbers(res.eigenvalues)), ("residuals", .numbers(res.residuals)),
                ("pair_gap_threshold", .number(delta)), ("excluded_pairs", .int(op.excludedPairs)),
                ("lambda_refused", refusal.map { .string($0) } ?? .null),
                ("U_lambda_max", refused ? .null : .number(u * lambda)),
                ("stoner_unstable", refused ? .null : .bool(u * lambda >= 1)),
                ("hessian_min_eigenvalue", hf.stability.map { .number($0.hessianMinEigenvalue) } ?? .null),
                ("stability_radius", hf.stabilityRadius.map { .number($0) } ?? .null),
                // The levels within delta of each other at E_F, reported separately from Pi (an
                // aufbau reference; a maximum-overlap one has its aufbau violations instead).
                ("degenerate_block", fractional.map { fp -> JSON in
                    .object([("levels", .ints(fp.block.isEmpty ? [] : [fp.block.levels.lowerBound, fp.block.levels.upperBound])),
                             ("occupations", .numbers(fp.blockOccupations)), ("energies", .numbers(fp.block.energies))])
                } ?? (hf.up.aufbauViolations > 0 ? .null : {
                    let b = FermiLevelBlock(values: hf.up.orbitals.values, occupied: hf.up.occupied, delta: delta)
                    return .object([("levels", .ints(b.isEmpty ? [] : [b.levels.lowerBound, b.levels.upperBound])),
                                    ("occupied_in_block", .int(b.isEmpty ? 0 : b.occupiedInBlock)),
                                    ("energies", .numbers(b.energies))])
                }())),
                ("reference", .string(fractional == nil ? "aufbau HF paramagnet" : "lowest paramagnetic state, fractional occupation allowed")),
                ("fractional_paramagnet", fractional.map { fp in
                    .object([("energy", .number(fp.energy)), ("energy_bound", .number(fp.energyBound)),
                             ("iterations", .int(fp.iterations)), ("converged", .bool(fp.converged)), ("delta", .number(fp.delta)),
                             ("gap", .number(fp.gap)),
                             ("block_levels", .ints(fp.block.isEmpty ? [] : [fp.block.levels.lowerBound, fp.block.levels.upperBound])),
                             ("block_occupations", .numbers(fp.blockOccupations)), ("block_energies", .numbers(fp.block.energies)),
                             ("block_fit_residual", .number(fp.blockFitResidual)),
                             ("maximum_overlap_energy", .number(hf.energy))])
                } ?? .null),
                ("products", .int(res.products)), ("restarts", .int(res.restarts)),
                ("hf_seconds", .number(hfSeconds)), ("pi_seconds", .number(piSeconds)),
            ])
            return Point(U: u, folder: folder, converged: true, error: nil, piEigenvalues: res.eigenvalues,
                         leadingVector: Array(res.eigenvectors[0..<sites]), row: head + tail, entry: entry)
        } failed: { u, e, _ in
            Point(U: u, folder: HartreeFockCheckpoint.folder(realization: r, U: u), converged: false, error: e.description,
                  row: [String(r), "\(u)", "false", "nan", "nan"] + Array(repeating: "", count: 10),
                  entry: .object([("realization", .int(r)), ("U", .number(u)), ("hf_converged", .bool(false)),
                                  ("error", .string(e.description))]))
        }
        return Record(realization: r, points: points)
    }

    /// The first (realization, U) whose Hartree-Fock did not converge, "realization r, U = u: why".
    public static func firstFailure(_ records: [Record]) -> String? {
        for r in records { for p in r.points where !p.converged { return "realization \(r.realization), U = \(p.U): \(p.error ?? "")" } }
        return nil
    }

    /// The memory of a run: Hartree-Fock's, Pi (N x N) and its Krylov basis.
    public func memoryPlan() -> MemoryEstimate {
        var plan = HartreeFockStudy.memoryPlan(hartreeFock.spec)
        let n = Double(hartreeFock.spec.lattice.siteCount)
        plan.add("susceptibility Pi (N x N) and its Krylov basis", bytes: 8 * n * (n + 4 * Double(eigenvalues + 8)))
        return plan
    }

    /// The columns of linear_stability.csv.
    public static let header = ["realization", "U", "hf_converged", "lambda_max", "U_lambda_max", "stoner_unstable",
                                "gap", "occupation", "aufbau_violations",
                                "census_one_sided", "census_two_sided", "mu_star", "products", "hf_seconds", "pi_seconds"]

    /// The records, in unit order (``summary(_:)`` and ``write(_:to:)`` render them).
    public func aggregate(_ records: [Record]) -> [Record] { records }

    /// The summary body (without command, status and provenance), in unit order.
    public func summary(_ records: [Record]) -> [(String, JSON)] {
        let warmStart = hartreeFock.initialSource
        return [("parameters", hartreeFock.spec.json), ("U", .numbers(hartreeFock.interactions)),
         ("self_consistency", HartreeFockReport.selfConsistency(hartreeFock.options, warmStart: warmStart)),
         ("pi_definition", .string("Pi_ij = 2 sum_{a occ, b empty} phi_a(i) phi_b(i) phi_b(j) phi_a(j) / (E_b - E_a), paramagnetic HF orbitals; per-spin Lindhard normalisation")),
         ("eigensolver", .string("block Krylov-Schur (largest algebraic; thick restart, locking); products by dgemm over occupied x empty orbitals")),
         ("tolerance", .number(tolerance)), ("results", .array(records.flatMap { $0.points.map(\.entry) }))]
    }

    /// Writes r###/U<value>/pi_eigenvalues.npy, pi_leading_vector.npy, lattice.json and
    /// linear_stability.csv (and the checkpoint's partial/ of a U that did not converge).
    public func write(_ records: [Record], to out: OutputDirectory) throws {
        var table = CSVTable(header: Self.header)
        for record in records {
            let identity = HartreeFockStudy.identity(hartreeFock.spec, realization: record.realization)
            for p in record.points {
                table.rows.append(p.row)
                if p.converged {
                    try out.write(npy: p.piEigenvalues, to: "\(p.folder)/pi_eigenvalues.npy")
                    try out.write(npy: p.leadingVector, to: "\(p.folder)/pi_leading_vector.npy")
                    try out.write(json: identity, to: "\(p.folder)/lattice.json")
                    if records.count == 1 && record.points.count == 1 { try out.write(json: identity, to: "lattice.json") }
                } else if let c = hartreeFock.checkpoint {
                    try HartreeFockReport.copyPartial(from: c, folder: p.folder, to: out)
                }
            }
        }
        try out.write(csv: table, to: "linear_stability.csv")
    }
}
