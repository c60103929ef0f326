import FermiGlassIO
import FermiGlassSolvers

/// ``SolveDiagnostics`` as a study record carries it (Codable: named timings, counters and
/// notes as parallel arrays, in their order), and as summary.json renders it.
public struct SolveDiagnosticsRecord: Codable, Sendable {
    public var method: String
    public var maxResidual: Double
    public var maxOrthogonalityError: Double
    public var certified: Bool
    public var timingNames: [String]
    public var timings: [Double]
    public var counterNames: [String]
    public var counters: [Int]
    public var noteNames: [String]
    public var notes: [String]

    public init(_ d: SolveDiagnostics) {
        method = d.method
        maxResidual = d.maxResidual
        maxOrthogonalityError = d.maxOrthogonalityError
        certified = d.certified
        timingNames = d.timings.map(\.0); timings = d.timings.map(\.1)
        counterNames = d.counters.map(\.0); counters = d.counters.map(\.1)
        noteNames = d.notes.map(\.0); notes = d.notes.map(\.1)
    }

    public var diagnostics: SolveDiagnostics {
        var d = SolveDiagnostics(method: method)
        d.maxResidual = maxResidual
        d.maxOrthogonalityError = maxOrthogonalityError
        d.certified = certified
        d.timings = Array(zip(timingNames, timings))
        d.counters = Array(zip(counterNames, counters))
        d.notes = Array(zip(noteNames, notes))
        return d
    }

    /// The diagnostics of several solves merged (``SolveDiagnostics/merged(with:)``), in order.
    public static func merged(_ records: [SolveDiagnosticsRecord]) -> SolveDiagnostics? {
        records.map(\.diagnostics).reduce(nil) { acc, d in acc.map { $0.merged(with: d) } ?? d }
    }
}

extension SolveDiagnostics {
    /// The checks of a solve as summary.json entries (the one rendering, used flat per
    /// realization by `spectrum` and as the `solver` block by the other commands): method,
    /// certified (an inertia count or the dense path proves the selection complete),
    /// max_residual ||H phi - xi phi||, max_orthogonality_error (both omitted without
    /// vectors), timings_seconds, counters, notes.
    public var entries: [(String, JSON)] {
        var out: [(String, JSON)] = [("method", .string(method)), ("certified", .bool(certified))]
        if !maxResidual.isNaN { out.append(("max_residual", .number(maxResidual))) }
        if !maxOrthogonalityError.isNaN { out.append(("max_orthogonality_error", .number(maxOrthogonalityError))) }
        out.append(("timings_seconds", .object(timings.map { ($0.0, .number($0.1)) })))
        if !counters.isEmpty { out.append(("counters", .object(counters.map { ($0.0, .int($0.1)) }))) }
        if !notes.isEmpty { out.append(("notes", .object(notes.map { ($0.0, .string($0.1)) }))) }
        return out
    }

    /// The solver block of summary.json.
    public var json: JSON { .object(entries) }

    /// These diagnostics combined with those of another solve: the worst residual and
    /// orthogonality error, certified only if both are, timings and counters summed by name.
    public func merged(with other: SolveDiagnostics) -> SolveDiagnostics {
        var d = self
        d.maxResidual = Swift.max(maxResidual, other.maxResidual)
        d.maxOrthogonalityError = Swift.max(maxOrthogonalityError, other.maxOrthogonalityError)
        d.certified = certified && other.certified
        for (name, t) in other.timings {
            if let i = d.timings.firstIndex(where: { $0.0 == name }) { d.timings[i].1 += t } else { d.timings.append((name, t)) }
        }
        for (name, c) in other.counters {
            if let i = d.counters.firstIndex(where: { $0.0 == name }) { d.counters[i].1 += c } else { d.counters.append((name, c)) }
        }
        if other.method != method { d.method = method + " / " + other.method }
        return d
    }
}

extension StateSelection {
    /// How the selection is recorded in summary.json.
    public var json: JSON {
        switch self {
        case .all: return .object([("kind", .string("all"))])
        case .levels(let r):
            return .object([("kind", .string("levels")), ("first", .int(r.lowerBound)), ("end", .int(r.upperBound)),
                            ("note", .string("0-based, half-open: levels first..<end"))])
        case .energies(let e):
            return .object([("kind", .string("energies")), ("lower", .number(e.lowerBound)), ("upper", .number(e.upperBound)),
                            ("note", .string("closed energy range, units of t1"))])
        case .nearest(let sigma, let k):
            return .object([("kind", .string("nearest")), ("sigma", .number(sigma)), ("count", .int(k))])
        case .fermiWindow(let f, let w):
            return .object([("kind", .string("fermi_window")), ("fermi_index", .int(f)), ("window", .string(w.description))])
        }
    }
}
