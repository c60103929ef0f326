/// Errors raised while setting up a model. Each message names the offending input, so that the
/// command-line tool can print it unchanged.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidSize(String)
    case invalidParameter(String)
    case invalidFilling(String)
    case invalidDisorder(String)

    public var description: String {
        switch self {
        case .invalidSize(let m), .invalidParameter(let m), .invalidFilling(let m), .invalidDisorder(let m):
            return m
        }
    }
}
