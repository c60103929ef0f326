/// A parameter of a computation that an error message points to ("raise the Krylov basis
/// size"). The library names it in Swift (``swiftName``, e.g. `LanczosOptions.basisSize`); a
/// front end renders it in its own words (the command-line tool: `--ncv`), so that no layer
/// below the CLI spells a command-line flag.
public enum Parameter: String, CaseIterable, Sendable {
    // Model and output
    case preset, size, t1, t2, mu, disorderStrength, particles, filling, realizationRange
    case boundary, seed, realizations, output, force, resume
    // Eigensolvers
    case solver, count, sigma, window, states, energies, factorization
    case basisSize, maxRestarts, tolerance, binWidth, bins
    // Interacting
    case core, maxIterations, mixing, mixingBeta, mixingHistory, warmStart, densityTolerance, energyTolerance
    // Sweeps
    case shard, allowIncomplete
    // Runs
    case jobs, threads

    /// The Swift spelling: the property a library user sets.
    public var swiftName: String {
        switch self {
        case .preset: return "ModelSpec.Input.preset"
        case .size: return "ModelSpec.Input.size"
        case .t1: return "ModelParameters.t1"
        case .t2: return "ModelParameters.t2"
        case .mu: return "ModelParameters.mu"
        case .disorderStrength: return "ModelParameters.disorderStrength"
        case .particles: return "Filling.particles"
        case .filling: return "Filling.density"
        case .realizationRange: return "ModelSpec.Input.realizationRange"
        case .boundary: return "Lattice.boundary"
        case .seed: return "seed"
        case .realizations: return "ModelSpec.realizations"
        case .output: return "OutputDirectory.path"
        case .force: return "OutputDirectory.force"
        case .resume: return "OutputDirectory.resume"
        case .solver: return "EigenRequest.solver"
        case .count: return "the count of states"
        case .sigma: return "the shift sigma"
        case .window: return "StateSelection.fermiWindow"
        case .states: return "StateSelection.levels"
        case .energies: return "StateSelection.energies"
        case .factorization: return "ShiftInvertOptions.factorization"
        case .basisSize: return "LanczosOptions.basisSize"
        case .maxRestarts: return "LanczosOptions.maxRestarts"
        case .tolerance: return "LanczosOptions.tolerance"
        case .binWidth: return "the bin width"
        case .bins: return "OverlapDecay.DistanceBins.centers"
        case .core: return "the ground-state core"
        case .maxIterations: return "HartreeFockOptions.maxIterations"
        case .mixing: return "HartreeFockOptions.mixing"
        case .mixingBeta: return "the mixing beta"
        case .mixingHistory: return "the Anderson history"
        case .warmStart: return "a warm start"
        case .densityTolerance: return "HartreeFockOptions.densityTolerance"
        case .energyTolerance: return "HartreeFockOptions.energyTolerance"
        case .shard: return "SweepConfig shard i/n"
        case .allowIncomplete: return "allowIncomplete"
        case .jobs: return "StudyRunner.jobs"
        case .threads: return "BLASRuntime.threads"
        }
    }
}

/// A user-facing message whose advice names ``Parameter``s instead of spelled-out options:
/// written as a string with `\(.basisSize)` interpolations, rendered by ``description`` in
/// Swift names and by a front end with its own (``rendered(_:)``).
public struct Message: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public enum Piece: Equatable, Sendable {
        case text(String)
        case parameter(Parameter)
    }

    public var pieces: [Piece]

    public init(_ text: String) { pieces = [.text(text)] }
    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: Interpolation) { pieces = stringInterpolation.pieces }

    public struct Interpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { append(literal) }
        public mutating func appendInterpolation(_ parameter: Parameter) { pieces.append(.parameter(parameter)) }
        public mutating func appendInterpolation(_ message: Message) {
            for p in message.pieces {
                if case .text(let t) = p { append(t) } else { pieces.append(p) }
            }
        }
        public mutating func appendInterpolation<T>(_ value: T) { append(String(describing: value)) }
        mutating func append(_ text: String) {
            guard !text.isEmpty else { return }
            if case .text(let last)? = pieces.last { pieces[pieces.count - 1] = .text(last + text) } else { pieces.append(.text(text)) }
        }
    }

    /// The text with each parameter spelled by `name`.
    public func rendered(_ name: (Parameter) -> String) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let t): return t
            case .parameter(let p): return name(p)
            }
        }.joined()
    }

    /// The text with the parameters' Swift names.
    public var description: String { rendered(\.swiftName) }

    /// This message followed by `other`.
    public static func + (a: Message, b: Message) -> Message {
        var m = a
        for p in b.pieces {
            if case .text(let t) = p, case .text(let last)? = m.pieces.last { m.pieces[m.pieces.count - 1] = .text(last + t) } else { m.pieces.append(p) }
        }
        return m
    }
}

/// An error whose ``message`` may point to parameters, for a front end to render in its own
/// words (the CLI's `--flags`); `description` is the message with Swift names.
public protocol ParameterAdvising: Error, CustomStringConvertible {
    var message: Message { get }
}
