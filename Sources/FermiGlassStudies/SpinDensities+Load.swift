import FermiGlassIO
import FermiGlassModel
import Foundation

extension SpinDensities {
    /// The densities (n_up, n_dn) a Hartree-Fock run wrote to `directory` (density_up.npy,
    /// density_down.npy; a converged U's folder, its checkpoint, or a `partial/`), checked
    /// against realization `r` of `spec`: the lattice.json beside them must name the same
    /// lattice, parameters, seed and realization (``HartreeFockStudy/identity(_:realization:)``),
    /// and every value must be a spin density in [0, 1] on each of the sites.
    ///
    /// Returns the densities and a warning when there is no lattice.json to check (written by an
    /// older version). Errors (``StudyError/invalidInput(_:)``) name the file and the problem.
    public static func load(from directory: String, for spec: ModelSpec, realization r: Int) throws -> (SpinDensities, warning: String?) {
        let sites = spec.lattice.siteCount
        let dir = URL(fileURLWithPath: directory)
        var warning: String?
        if let text = try? String(contentsOf: dir.appendingPathComponent("lattice.json"), encoding: .utf8), let theirs = try? JSON.parse(text) {
            let ours = HartreeFockStudy.identity(spec, realization: r)
            let differ = (HartreeFockStudy.identityKeys + ["realization"]).filter { k in
                theirs[k].map { $0.serialized(compact: true) } != ours[k].map { $0.serialized(compact: true) }
            }
            if !differ.isEmpty {
                let show = { (j: JSON) in differ.map { "\($0) \(j[$0]?.serialized(compact: true) ?? "none")" }.joined(separator: ", ") }
                throw StudyError.invalidInput("the densities in \(directory) come from another lattice (\(show(theirs))); this run has \(show(ours))")
            }
        } else {
            warning = "\(directory) has no lattice.json (written by an older version): cannot check that its densities come from this lattice and seed"
        }
        func load(_ name: String) throws -> [Double] {
            let path = dir.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw StudyError.invalidInput("\(path) does not exist (the directory must hold density_up.npy and density_down.npy, as hartree-fock writes them)")
            }
            let values = try NPY.read(URL(fileURLWithPath: path)).values
            guard values.count == sites else { throw StudyError.invalidInput("\(path) has \(values.count) values, the lattice has \(sites) sites") }
            guard values.allSatisfy({ $0.isFinite && $0 >= -1e-9 && $0 <= 1 + 1e-9 }) else {
                throw StudyError.invalidInput("\(path) holds values outside [0, 1]; it is not a spin density")
            }
            return values
        }
        return (SpinDensities(up: try load("density_up.npy"), down: try load("density_down.npy")), warning)
    }
}
