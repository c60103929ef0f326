/// Errors raised while setting up a model. Each message names the offending input; advice
/// names ``Parameter``s, which the command-line tool renders as its options.
public enum ModelError: Error, Equatable, ParameterAdvising {
    case invalidSize(Message)
    case invalidParameter(Message)
    case invalidFilling(Message)
    case invalidDisorder(Message)

    public var message: Message {
        switch self {
        case .invalidSize(let m), .invalidParameter(let m), .invalidFilling(let m), .invalidDisorder(let m):
            return m
        }
    }

    public var description: String { message.description }
}
