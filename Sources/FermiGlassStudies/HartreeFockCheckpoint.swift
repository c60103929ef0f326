import FermiGlassIO
import FermiGlassInteracting
import Foundation

/// Where a Hartree-Fock U sweep (`hartree-fock`, `linear-stability`) keeps what a later run
/// continues from, so that it survives a kill while the results themselves go through the
/// staging directory (``OutputDirectory``) and appear under `--output` only when the run completes.
///
/// The directory is `<parent>/<name>.checkpoint` beside `--output` `<parent>/<name>`, written in
/// place (every file atomically: a temporary name, then rename) while the output's lock is held;
/// worker processes write into it too. Per (realization, U), `r###/U<value>/`:
///
/// * while the self-consistency runs, `partial/` holds its latest densities (density_up.npy,
///   density_down.npy, lattice.json, progress.json), saved at once and then at most every 10 s;
/// * when it has converged, density_up.npy, density_down.npy, moments.npy, lattice.json and
///   result.json (its summary entry), and `partial/` is removed.
///
/// `--warm-start <name>.checkpoint/r000/U1.5` (or `.../U1.5/partial`, with `--starts 0`)
/// continues a killed sweep. A run that completes moves the `partial/` of every (realization,
/// U) that did not converge into its output (`r###/U<value>/partial`) and removes the checkpoint.
public struct HartreeFockCheckpoint: Sendable {
    public let directory: URL
    /// The output directory the run's results go to once it completes.
    public let output: URL

    /// The checkpoint directory of the output directory `output`: `<output>.checkpoint`.
    public init(output: URL) {
        let o = output.standardizedFileURL
        self.output = o
        directory = o.deletingLastPathComponent().appendingPathComponent(o.lastPathComponent + ".checkpoint")
    }

    /// `r###/U<value>`: the folder of one (realization, U), in the output and in the checkpoint.
    public static func folder(realization r: Int, U: Double) -> String { String(format: "r%03d", r) + "/U\(U)" }

    public func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }

    /// Writes `data` to `relative` atomically (a temporary name in the same folder, then rename).
    public func write(_ data: Data, to relative: String) throws {
        let target = url(relative)
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: target, options: .atomic)
        } catch {
            throw IOError.fileSystem(IOError.errnoCode(of: error) ?? EIO, path: target.path, action: "write")
        }
    }

    func write(npy values: [Double], to relative: String) throws { try write(NPY.encode(values, shape: [values.count]), to: relative) }
    func write(json: JSON, to relative: String) throws { try write(Data((json.serialized() + "\n").utf8), to: relative) }

    /// A converged (realization, U): what the next U, or a later run, warm-starts from.
    func finished(_ folder: String, _ result: HartreeFockResult, identity: JSON, entry: JSON) throws {
        try write(npy: result.up.density, to: folder + "/density_up.npy")
        try write(npy: result.down.density, to: folder + "/density_down.npy")
        try write(npy: result.moments, to: folder + "/moments.npy")
        try write(json: identity, to: folder + "/lattice.json")
        try write(json: entry, to: folder + "/result.json")
        try? FileManager.default.removeItem(at: url(folder + "/partial"))
    }

    /// Removes the checkpoint (a completed run).
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Saves the densities of a running HF loop to `<checkpoint>/r###/U<value>/partial` at most
/// every `interval` (the first at once), so that a killed or unconverged run can be continued
/// with `--warm-start` there.
final class HartreeFockSnapshotWriter {
    let checkpoint: HartreeFockCheckpoint
    let folder: String
    let identity: JSON
    let interval: Duration
    let warn: (String) -> Void
    private var last: ContinuousClock.Instant?
    private var warned = false
    private(set) var saved = false

    init(_ checkpoint: HartreeFockCheckpoint, folder: String, identity: JSON, interval: Duration = .seconds(10),
         warn: @escaping (String) -> Void) {
        self.checkpoint = checkpoint
        self.folder = folder + "/partial"
        self.identity = identity
        self.interval = interval
        self.warn = warn
    }

    func save(_ s: HartreeFockSnapshot) {
        let now = ContinuousClock.now
        if let l = last, now - l < interval { return }
        last = now
        do {
            try checkpoint.write(npy: s.up, to: folder + "/density_up.npy")
            try checkpoint.write(npy: s.down, to: folder + "/density_down.npy")
            try checkpoint.write(json: identity, to: folder + "/lattice.json")
            try checkpoint.write(json: .object([("iteration", .int(s.iteration)), ("density_residual", .number(s.residual)),
                                                ("energy", .number(s.energy))]), to: folder + "/progress.json")
            saved = true
        } catch {
            if !warned { warned = true; warn("warning: cannot save the running densities: \(error)") }
        }
    }
}
