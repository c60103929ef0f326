import FermiGlassModel

extension Parameter {
    /// The command-line option that sets this parameter.
    package var flag: String {
        switch self {
        case .preset: return "--preset"
        case .size: return "--size"
        case .t1: return "--t1"
        case .t2: return "--t2"
        case .mu: return "--mu"
        case .disorderStrength: return "--W"
        case .particles: return "--particles"
        case .filling: return "--filling"
        case .realizationRange: return "--realization-range"
        case .boundary: return "--boundary"
        case .seed: return "--seed"
        case .realizations: return "--realizations"
        case .output: return "--output"
        case .force: return "--force"
        case .resume: return "--resume"
        case .solver: return "--solver"
        case .count: return "--count"
        case .sigma: return "--sigma"
        case .window: return "--window"
        case .energies: return "--energies"
        case .factorization: return "--factorization"
        case .basisSize: return "--ncv"
        case .maxRestarts: return "--max-restarts"
        case .tolerance: return "--tol"
        case .binWidth: return "--bin-width"
        case .core: return "--core"
        case .maxIterations: return "--max-iterations"
        case .mixing: return "--mixing"
        case .mixingBeta: return "--mixing-beta"
        case .mixingHistory: return "--mixing-history"
        case .warmStart: return "--warm-start"
        case .densityTolerance: return "--density-tolerance"
        case .energyTolerance: return "--energy-tolerance"
        case .shard: return "--shard"
        case .allowIncomplete: return "--allow-incomplete"
        case .jobs: return "--jobs"
        case .threads: return "--threads"
        }
    }
}

extension Message {
    /// The message with each parameter spelled as its command-line option.
    package var commandLine: String { rendered(\.flag) }
}

/// An error as the command line shows it: a library error's advice names options (`--ncv`)
/// instead of Swift properties; other errors print as they describe themselves.
package func commandLineMessage(_ error: Error) -> String {
    (error as? ParameterAdvising)?.message.commandLine ?? String(describing: error)
}

/// A library error with its advice in command-line words, for ArgumentParser to print; exit 1.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
}
