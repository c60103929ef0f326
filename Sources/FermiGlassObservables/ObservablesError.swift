import FermiGlassModel

/// Errors of the observables layer: an argument of an observable that cannot be computed
/// (pair counts, distance bins, transfer-matrix strips, KPM moments and vectors). Advice names ``Parameter``s, which a front end renders.
public enum ObservablesError: Error, Equatable, ParameterAdvising {
    case invalidArgument(Message)

    public var message: Message {
        switch self {
        case .invalidArgument(let m): return m
        }
    }

    public var description: String { message.description }
}
