import FermiGlassModel

extension Parameter {
    /// The command-line option that sets this parameter: `--` and the case name in kebab case
    /// (`maxRestarts` is `--max-restarts`), but for the options named otherwise.
    package var flag: String {
        switch self {
        case .basisSize: return "--ncv"
        case .tolerance: return "--tol"
        case .disorderStrength: return "--W"
        default: return "--" + rawValue.reduce(into: "") { $0 += $1.isUppercase ? "-" + $1.lowercased() : String($1) }
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
