/// File-level errors; each message names the file and what is wrong with it.
public enum IOError: Error, Equatable, CustomStringConvertible {
    case invalidFile(String)
    case unreadable(String)
    case outputNotEmpty(String)
    case writeFailed(String)

    public var description: String {
        switch self {
        case .invalidFile(let m), .unreadable(let m), .outputNotEmpty(let m), .writeFailed(let m): return m
        }
    }
}
