import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// The MacKinnon-Kramer localization length of quasi-1D strips (`fermiglass localization
/// --method transfer-matrix`): one unit per strip width M (periodic across; M = 1 a chain),
/// xi_M = 1/gamma_min (lattice constants) with gamma_min the smallest positive Lyapunov
/// exponent of the transfer matrices at `energy`, and Lambda_M = xi_M / M; errors from the
/// spread over blocks of the strip (``TransferMatrix``).
public struct TransferMatrixStudy: Study {
    public var parameters: ModelParameters
    public var widths: [Int]
    /// E (units of t1).
    public var energy: Double
    /// Where E came from, in words (recorded).
    public var energySource: String
    public var options: TransferMatrix.Options

    public init(parameters: ModelParameters, widths: [Int], energy: Double, energySource: String, options: TransferMatrix.Options) {
        self.parameters = parameters
        self.widths = widths
        self.energy = energy
        self.energySource = energySource
        self.options = options
    }

    public var units: [Int] { Array(widths.indices) }

    public var unitKind: String { "width" }
    public func describe(unit: Int) -> String { "width \(widths[unit])" }

    public struct Record: Codable, Sendable {
        public var width: Int
        public var length: Int
        public var exponents: [Double]
        public var gammaMin: Double
        public var gammaMinError: Double
        public var blockGammaMin: [Double]
        public var orthogonalizationInterval: Int

        public var xi: Double { 1 / gammaMin }
        public var xiError: Double { gammaMinError / (gammaMin * gammaMin) }
        public var lambda: Double { xi / Double(width) }
        public var lambdaError: Double { xiError / Double(width) }
    }

    public func record(for unit: Int) throws -> Record {
        let s = try TransferMatrix.strip(width: widths[unit], parameters: parameters, energy: energy, options: options)
        return Record(width: s.width, length: s.length, exponents: s.exponents, gammaMin: s.gammaMin, gammaMinError: s.gammaMinError,
                      blockGammaMin: s.blockGammaMin, orthogonalizationInterval: s.orthogonalizationInterval)
    }

    /// The strips, in the order of `widths`.
    public func aggregate(_ records: [Record]) throws -> [Record] { records }

    /// transfer_matrix.csv (one row per width) and the summary.
    public func report(_ strips: [Record]) -> StudyReport {
        var out = StudyReport()
        let p = parameters
        var table = CSVTable(header: ["width", "energy", "length", "gamma_min", "gamma_min_stderr", "xi", "xi_stderr",
                                      "lambda", "lambda_stderr", "qr_interval"])
        var entries = [JSON]()
        for s in strips {
            table.append([.int(s.width), .double(energy), .int(s.length), .double(s.gammaMin), .double(s.gammaMinError), .double(s.xi),
                          .double(s.xiError), .double(s.lambda), .double(s.lambdaError), .int(s.orthogonalizationInterval)])
            entries.append(.object([("width", .int(s.width)), ("gamma_min", .number(s.gammaMin)), ("gamma_min_stderr", .number(s.gammaMinError)),
                                    ("xi", .number(s.xi)), ("xi_stderr", .number(s.xiError)), ("lambda", .number(s.lambda)),
                                    ("lambda_stderr", .number(s.lambdaError)), ("exponents", .numbers(s.exponents)),
                                    ("block_gamma_min", .numbers(s.blockGammaMin)), ("qr_interval", .int(s.orthogonalizationInterval))]))
        }
        out.add("transfer_matrix.csv", .csv(table))
        out.summary = [
            ("parameters", .object([("t1", .number(p.t1)), ("t2", .number(p.t2)), ("W", .number(p.disorderStrength)),
                                    ("mu", .number(p.mu)), ("seed", .int(Int(options.seed)))])),
            ("method", .string("transfer-matrix")),
            ("energy", .number(energy)),
            ("energy_source", .string(energySource)),
            ("length", .int(options.length)), ("warmup", .int(options.warmup)), ("blocks", .int(options.blocks)),
            ("strips", .array(entries)),
            ("definitions", .object([
                ("strip", .string("M sites across (periodic; M = 1: a chain), slices n = 0..<warmup+length; site i = y + M n of realization 0 of the seed")),
                ("gamma_min", .string("smallest positive Lyapunov exponent of the transfer matrices, per slice (MacKinnon-Kramer, QR re-orthogonalization)")),
                ("xi", .string("xi_M = 1/gamma_min, amplitude decay length (lattice constants)")),
                ("lambda", .string("Lambda_M = xi_M / M")),
                ("stderr", .string("standard deviation over the blocks / sqrt(blocks)")),
            ])),
        ]
        return out
    }
}

extension TransferMatrixStudy {
    /// E_F of `filling` on an L x L periodic lattice (realization 0 of `seed`, inertia
    /// bisection), and where it came from in words.
    public static func fermiEnergy(parameters p: ModelParameters, filling: Double, size l: Int, seed: UInt64) throws -> (Double, String) {
        (try TransferMatrix.fermiEnergy(parameters: p, filling: filling, size: l, seed: seed),
         "E_F of filling \(filling) on a \(l)x\(l) periodic lattice (realization 0, inertia bisection)")
    }

    /// The memory: the widest strip's transfer matrices and Q factors (a few 2M x 2M blocks),
    /// and with `fermiSize` the sparse LDL^T factor of that lattice for the E_F bisection.
    public static func memoryPlan(widths: [Int], fermiSize: Int?) -> MemoryEstimate {
        let widest = Double(widths.max() ?? 1)
        var plan = MemoryEstimate()
        plan.add("transfer matrices of the widest strip", bytes: 8 * 8 * 4 * widest * widest)
        if let l = fermiSize { plan.add("sparse LDL^T factor for E_F", bytes: MemoryPlan.sparseFactorBytesPerSite * Double(l * l)) }
        return plan
    }
}
