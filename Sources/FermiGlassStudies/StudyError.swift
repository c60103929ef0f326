import FermiGlassModel

/// Errors of the studies layer. Advice names ``Parameter``s, which a front end renders in its
/// own words (the CLI: as its options).
public enum StudyError: Error, Equatable, ParameterAdvising {
    /// Input a study cannot run on (a model or a selection given as text fields, a memory plan
    /// beyond a worker's share, densities from another lattice), refused before anything is
    /// computed: the CLI exits 64.
    case invalidInput(Message)
    /// The selection holds no state on a realization: a property of the input, found while
    /// computing (the CLI exits 64, nothing written).
    case emptySelection(Message)

    public var message: Message {
        switch self {
        case .invalidInput(let m), .emptySelection(let m): return m
        }
    }

    public var description: String { message.description }
}
