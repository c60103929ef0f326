import FermiGlassIO
import FermiGlassInteracting
import Foundation

/// A ``HartreeFockStartStore`` on disk: one folder per finished start,
/// `DIR/start<k>/` with x.npy (the final state's input densities, up then down),
/// density_up.npy, density_down.npy and record.json (written last, so a start whose record.json
/// exists is complete). A killed search rerun with the same store skips the starts it finds.
///
/// It lives either in an output directory or in the checkpoint beside it
/// (``HartreeFockCheckpoint``: `<output>.checkpoint/r###/U<value>/starts/`, what `hartree-fock
/// --resume` reads), which survives a kill.
public final class HartreeFockStartFiles: HartreeFockStartStore {
    /// The store's folder, relative to the output directory or checkpoint it lives in.
    public let directory: String
    /// Writes a file (atomically) at a path relative to the output directory or checkpoint.
    private let writeFile: (Data, String) throws -> Void
    /// The location of a path relative to the output directory or checkpoint.
    private let location: (String) -> URL
    /// Starts found by ``load(start:)`` (the search still refuses a record of another U or
    /// start) and saved by ``save(_:)`` in this process.
    public private(set) var restored: [Int] = []
    public private(set) var saved: [Int] = []

    /// Whether ``load(start:)`` reads what is there (a resumed run) or finds nothing (a new
    /// run that only saves).
    public let reading: Bool

    public init(output: OutputDirectory, directory: String, reading: Bool = true) {
        self.directory = directory
        self.reading = reading
        writeFile = { try output.write($0, to: $1) }
        location = { output.file($0) }
    }

    /// The store in a run's checkpoint (kept after a kill; removed when the run completes).
    public init(checkpoint: HartreeFockCheckpoint, directory: String, reading: Bool = true) {
        self.directory = directory
        self.reading = reading
        writeFile = { try checkpoint.write($0, to: $1) }
        location = { checkpoint.url($0) }
    }

    func folder(_ start: Int) -> String { "\(directory)/start\(start)" }

    public func save(_ r: HartreeFockStartRecord) throws {
        let f = folder(r.start)
        if r.converged {
            try writeFile(NPY.encode(r.x, shape: [r.x.count]), f + "/x.npy")
            try writeFile(NPY.encode(r.densityUp, shape: [r.densityUp.count]), f + "/density_up.npy")
            try writeFile(NPY.encode(r.densityDown, shape: [r.densityDown.count]), f + "/density_down.npy")
        }
        try writeFile(Data((Self.json(r).serialized() + "\n").utf8), f + "/record.json")
        saved.append(r.start)
    }

    public func load(start: Int) -> HartreeFockStartRecord? {
        let f = folder(start)
        guard reading, let text = try? String(contentsOf: location(f + "/record.json"), encoding: .utf8),
              let j = try? JSON.parse(text), let r = Self.record(j) else { return nil }
        var rec = r
        if rec.converged {
            guard let x = try? NPY.read(location(f + "/x.npy")).values,
                  let up = try? NPY.read(location(f + "/density_up.npy")).values,
                  let dn = try? NPY.read(location(f + "/density_down.npy")).values else { return nil }
            rec.x = x; rec.densityUp = up; rec.densityDown = dn
        }
        restored.append(start)
        return rec
    }

    static func number(_ d: Double) -> JSON { d.isFinite ? .number(d) : .null }

    static func json(_ r: HartreeFockStartRecord) -> JSON {
        var fields: [(String, JSON)] = [
            ("start", .int(r.start)), ("kind", .string(r.kind.rawValue)), ("U", number(r.U)), ("start_checksum", .number(r.startChecksum)),
            ("converged", .bool(r.converged)), ("energy", number(r.energy)), ("n_up", .int(r.nUp)), ("n_down", .int(r.nDown)),
            ("spin_up", r.spinUp.map { .int($0) } ?? .null), ("occupation", .string(r.occupation.rawValue)),
            ("occupied_ranks_up", r.occupiedRanksUp.map { .ints($0) } ?? .null),
            ("occupied_ranks_down", r.occupiedRanksDown.map { .ints($0) } ?? .null),
            ("hessian_min_eigenvalue", number(r.hessianMinEigenvalue)), ("hessian_residual", number(r.hessianResidual)),
            ("hessian_dimension", .int(r.hessianDimension)), ("hessian_applications", .int(r.hessianApplications)),
            ("kept_run", .int(r.keptRun)),
        ]
        if let f = r.following {
            fields.append(("following", .object([("stop", .string(f.stop)), ("energies", .numbers(f.energies)),
                                                 ("eigenvalues", .numbers(f.eigenvalues)), ("angles", .numbers(f.angles))])))
        } else {
            fields.append(("following", .null))
        }
        fields.append(("runs", .array(r.runs.map { run in
            .object([("start", .int(run.start)), ("converged", .bool(run.converged)), ("iterations", .int(run.iterations)),
                     ("density_residual", number(run.densityResidual)), ("energy_change", number(run.energyChange)),
                     ("energy", number(run.energy)), ("total_sz", number(run.totalSz)),
                     ("fixed_spin_up", run.fixedSpinUp.map { .int($0) } ?? .null),
                     ("occupation", .string(run.occupation.rawValue))])
        })))
        return .object(fields)
    }

    static func record(_ j: JSON) -> HartreeFockStartRecord? {
        guard let start = j["start"]?.intValue, let kind = j["kind"]?.stringValue.flatMap(HartreeFockStartKind.init(rawValue:)),
              let sum = j["start_checksum"]?.doubleValue, let converged = j["converged"]?.boolValue else { return nil }
        func d(_ k: String, _ o: JSON = j) -> Double { o[k]?.doubleValue ?? .nan }
        var r = HartreeFockStartRecord(start: start, kind: kind, startChecksum: sum, converged: converged)
        r.U = d("U")
        r.energy = d("energy")
        r.nUp = j["n_up"]?.intValue ?? 0
        r.nDown = j["n_down"]?.intValue ?? 0
        r.spinUp = j["spin_up"]?.intValue
        r.occupation = j["occupation"]?.stringValue.flatMap(HartreeFockOptions.Occupation.init(rawValue:)) ?? .aufbau
        r.occupiedRanksUp = j["occupied_ranks_up"]?.arrayValue?.compactMap { $0.intValue }
        r.occupiedRanksDown = j["occupied_ranks_down"]?.arrayValue?.compactMap { $0.intValue }
        r.hessianMinEigenvalue = d("hessian_min_eigenvalue")
        r.hessianResidual = d("hessian_residual")
        r.hessianDimension = j["hessian_dimension"]?.intValue ?? 0
        r.hessianApplications = j["hessian_applications"]?.intValue ?? 0
        r.keptRun = j["kept_run"]?.intValue ?? 0
        if let f = j["following"], f["stop"] != nil {
            let nums = { (k: String) in f[k]?.arrayValue?.map { $0.doubleValue ?? .nan } ?? [] }
            r.following = InstabilityFollowing(energies: nums("energies"), eigenvalues: nums("eigenvalues"), angles: nums("angles"),
                                               stop: f["stop"]?.stringValue ?? "")
        }
        r.runs = (j["runs"]?.arrayValue ?? []).map { o in
            HartreeFockRun(start: o["start"]?.intValue ?? start, converged: o["converged"]?.boolValue ?? false,
                           iterations: o["iterations"]?.intValue ?? 0, densityResidual: d("density_residual", o),
                           energyChange: d("energy_change", o), energy: d("energy", o), totalSz: d("total_sz", o),
                           fixedSpinUp: o["fixed_spin_up"]?.intValue,
                           occupation: o["occupation"]?.stringValue.flatMap(HartreeFockOptions.Occupation.init(rawValue:)) ?? .aufbau)
        }
        return r
    }
}
