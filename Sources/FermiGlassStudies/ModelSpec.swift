import FermiGlassIO
import FermiGlassModel

/// A fully resolved model specification: everything needed to rebuild every realization of a
/// run, as recorded in `summary.json` under `"parameters"`.
public struct ModelSpec: Sendable {
    public var lattice: Lattice
    public var parameters: ModelParameters
    /// The filling, when the command needs one.
    public var filling: Filling?
    public var seed: UInt64
    /// Realization numbers, ascending (`--realizations R` = 0..<R, `--realization-range a:b`).
    public var realizations: [Int]
    /// A disorder file replaces the seeded disorder (one realization only).
    public var disorderFile: String?
    /// The preset the values started from, if any.
    public var preset: String?

    public init(lattice: Lattice, parameters: ModelParameters, filling: Filling?, seed: UInt64,
                realizations: [Int], disorderFile: String? = nil, preset: String? = nil) throws {
        self.lattice = lattice
        self.parameters = parameters
        self.filling = filling
        self.seed = seed
        self.realizations = realizations
        self.disorderFile = disorderFile
        self.preset = preset
        try parameters.validate()
        guard !realizations.isEmpty else { throw StudyError.invalidInput("no realization selected: the realization range is empty") }
        if disorderFile != nil && realizations.count > 1 {
            throw StudyError.invalidInput(
                "a disorder file is one realization; do not ask for more beside it (\(.realizations) \(realizations.count))")
        }
    }

    /// The model of realization `r`: seeded disorder, or the disorder file.
    public func model(realization r: Int) throws -> DisorderedModel {
        if let path = disorderFile {
            let values = try DisorderFile.read(path: path, lx: lattice.lx, ly: lattice.ly)
            return try DisorderedModel(lattice: lattice, parameters: parameters, onsiteEnergies: values, source: path)
        }
        return try DisorderedModel(lattice: lattice, parameters: parameters, seed: seed, realization: r)
    }

    /// The resolved parameters as JSON (the `"parameters"` block of every summary).
    public var json: JSON {
        var pairs: [(String, JSON)] = [
            ("Lx", .int(lattice.lx)), ("Ly", .int(lattice.ly)),
            ("boundary_x", .string(lattice.boundaryX.rawValue)), ("boundary_y", .string(lattice.boundaryY.rawValue)),
            ("t1", .number(parameters.t1)), ("t2", .number(parameters.t2)),
            ("hopping_convention", .string("t1, t2 are matrix elements H_ij (H_ij = +t1 for nearest neighbours)")),
            ("W", .number(parameters.disorderStrength)), ("mu", .number(parameters.mu)),
        ]
        if let f = filling {
            pairs.append(("particles", .int(f.particles)))
            pairs.append(("filling", .number(f.density)))
            pairs.append(("fermi_index", .int(f.fermiIndex)))
        }
        pairs.append(("seed", .string(String(seed))))
        pairs.append(("realizations", .ints(realizations)))
        pairs.append(("disorder_file", disorderFile.map { .string($0) } ?? .null))
        pairs.append(("disorder_generator", .string("SplitMix64 counter hash of (seed, realization, site); see Disorder.swift")))
        pairs.append(("preset", preset.map { .string($0) } ?? .null))
        return .object(pairs)
    }
}
