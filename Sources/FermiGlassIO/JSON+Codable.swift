import Foundation

/// A ``JSON`` value travels inside Codable records (a study's per-realization record sent from
/// a worker process over a pipe) as its compact serialization: a string that parses back to a
/// value with the same keys in the same order, so the summary the parent writes is
/// byte-identical to the one a single process writes.
extension JSON: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try JSON.parse(text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(serialized(compact: true))
    }
}
