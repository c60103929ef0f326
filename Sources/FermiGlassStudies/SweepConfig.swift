import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// A sweep configuration: the cartesian product of sizes, disorder strengths, fillings and
/// realizations (and interaction strengths U, evaluated on each realization's eigenstates), with
/// the solver, window and minimizer chosen per size.
///
/// JSON, for example:
///
///     {
///       "sizes": [20, 30, "40x30"],
///       "W": [9], "t1": 1, "t2": 0.6, "mu": 0, "boundary": "periodic",
///       "fillings": [0.8333333333333334],
///       "U": [0.2, 0.5],
///       "seed": 1, "realizations": 4,
///       "solver": "auto", "window": "levels:100", "algorithm": "default", "proposals": 100000,
///       "per_size": {"200": {"solver": "shift-invert", "window": "energy:0.3"}}
///     }
///
/// Unknown keys, non-positive sizes, empty ranges and non-finite numbers are refused with a
/// message that names the key, before anything runs.
public struct SweepConfig: Sendable, Equatable {
    public struct Size: Hashable, Sendable, Comparable {
        public var lx: Int
        public var ly: Int
        public var label: String { lx == ly ? "\(lx)" : "\(lx)x\(ly)" }
        public static func < (a: Size, b: Size) -> Bool { (a.lx * a.ly, a.lx) < (b.lx * b.ly, b.lx) }
    }

    /// Per-size choices of method.
    public struct Method: Sendable, Equatable {
        /// dense, shift-invert, patches (the localized-patch window, ``GroundStateStudy``'s
        /// patch path: sizes of 200 x 200 and beyond) or auto.
        public var solver: SolverChoice
        public var window: FermiWindow
        /// The window as written in the configuration, kept verbatim in ``canonicalJSON`` (whose
        /// fingerprint identifies the sweep).
        public var windowText: String
        public var algorithm: GroundStateStudy.Algorithm
        public var proposals: Int

        public static let standard = Method(solver: .auto, window: .levels(100), windowText: "levels:100", algorithm: .default, proposals: 100_000)
    }

    public var sizes: [Size]
    public var disorderStrengths: [Double]
    public var fillings: [Double]
    public var interactions: [Double]
    public var t1: Double
    public var t2: Double
    public var mu: Double
    public var boundary: Boundary
    public var seed: UInt64
    public var realizations: [Int]
    public var method: Method
    public var perSize: [String: Method]

    static let knownKeys: Set<String> = [
        "sizes", "W", "fillings", "U", "t1", "t2", "mu", "boundary", "seed", "realizations",
        "realization_range", "solver", "window", "algorithm", "proposals", "per_size", "name", "comment",
    ]
    static let methodKeys: Set<String> = ["solver", "window", "algorithm", "proposals"]

    /// The method used for `size`.
    public func method(for size: Size) -> Method { perSize[size.label] ?? method }

    /// Parses and validates a configuration file (JSON).
    public static func load(path: String) throws -> SweepConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SweepError.invalidConfig("cannot read sweep configuration \(path)")
        }
        let json: JSON
        do { json = try JSON.parse(text) } catch let e as IOError {
            throw SweepError.invalidConfig("\(path): \(e.message)")
        }
        return try parse(json)
    }

    public static func parse(_ json: JSON) throws -> SweepConfig {
        guard let pairs = json.objectValue else { throw SweepError.invalidConfig("the sweep configuration must be a JSON object") }
        for (k, _) in pairs where !knownKeys.contains(k) {
            throw SweepError.invalidConfig("unknown key '\(k)' in the sweep configuration (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        func number(_ key: String, default d: Double) throws -> Double {
            guard let v = json[key] else { return d }
            guard let x = v.doubleValue, x.isFinite else { throw SweepError.invalidConfig("'\(key)' must be a finite number") }
            return x
        }
        func numbers(_ key: String, default d: [Double]?) throws -> [Double] {
            guard let v = json[key] else {
                guard let d else { throw SweepError.invalidConfig("'\(key)' is required") }
                return d
            }
            let items = v.arrayValue ?? [v]
            guard !items.isEmpty else { throw SweepError.invalidConfig("'\(key)' is an empty list") }
            return try items.map {
                guard let x = $0.doubleValue, x.isFinite else {
                    throw SweepError.invalidConfig("'\(key)' holds a value that is not a finite number (\($0.serialized(compact: true)))")
                }
                return x
            }
        }
        guard let sizeItems = json["sizes"].map({ $0.arrayValue ?? [$0] }) else { throw SweepError.invalidConfig("'sizes' is required") }
        guard !sizeItems.isEmpty else { throw SweepError.invalidConfig("'sizes' is an empty list") }
        var sizes = [Size]()
        for item in sizeItems {
            let text = item.stringValue ?? item.intValue.map(String.init) ?? item.serialized(compact: true)
            let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!) else {
                throw SweepError.invalidConfig("'sizes': '\(text)' is not L or LxxLy")
            }
            guard a > 0, b > 0 else { throw SweepError.invalidConfig("'sizes': size must be positive, got '\(text)'") }
            sizes.append(Size(lx: a, ly: b))
        }
        let ws = try numbers("W", default: nil)
        if let w = ws.first(where: { $0 < 0 }) { throw SweepError.invalidConfig("'W' must be non-negative, got \(w)") }
        let fillings = try numbers("fillings", default: nil)
        if let f = fillings.first(where: { !($0 > 0 && $0 < 2) }) { throw SweepError.invalidConfig("'fillings' must lie in (0, 2), got \(f)") }
        let us = try numbers("U", default: [])
        let boundaryText = json["boundary"]?.stringValue ?? "periodic"
        guard let boundary = Boundary(rawValue: boundaryText) else {
            throw SweepError.invalidConfig("'boundary' must be periodic or open, got '\(boundaryText)'")
        }
        var realizations: [Int]
        if let r = json["realization_range"] {
            guard json["realizations"] == nil else { throw SweepError.invalidConfig("give 'realizations' or 'realization_range', not both") }
            let parts = (r.stringValue ?? "").split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0 else {
                throw SweepError.invalidConfig("'realization_range' must be \"a:b\" with 0 <= a")
            }
            guard b > a else { throw SweepError.invalidConfig("'realization_range' \(a):\(b) is empty") }
            realizations = Array(a..<b)
        } else {
            let r = json["realizations"]?.intValue ?? 1
            guard r > 0 else { throw SweepError.invalidConfig("'realizations' must be positive, got \(r)") }
            realizations = Array(0..<r)
        }
        let seedValue = json["seed"].map { $0.intValue ?? -1 } ?? 1
        guard seedValue >= 0 else {
            throw SweepError.invalidConfig("'seed' must be a non-negative integer")
        }
        let base = try parseMethod(json, defaults: .standard, context: "")
        var perSize = [String: Method]()
        if let ps = json["per_size"] {
            guard let entries = ps.objectValue else { throw SweepError.invalidConfig("'per_size' must be an object keyed by size") }
            for (label, v) in entries {
                guard sizes.contains(where: { $0.label == label }) else {
                    throw SweepError.invalidConfig("'per_size' names size '\(label)', which is not in 'sizes'")
                }
                guard let obj = v.objectValue else { throw SweepError.invalidConfig("'per_size.\(label)' must be an object") }
                for (k, _) in obj where !methodKeys.contains(k) {
                    throw SweepError.invalidConfig("unknown key 'per_size.\(label).\(k)' (known: \(methodKeys.sorted().joined(separator: ", ")))")
                }
                perSize[label] = try parseMethod(v, defaults: base, context: "per_size.\(label).")
            }
        }
        let config = SweepConfig(
            sizes: sizes, disorderStrengths: ws, fillings: fillings, interactions: us,
            t1: try number("t1", default: 1), t2: try number("t2", default: 0), mu: try number("mu", default: 0),
            boundary: boundary, seed: UInt64(seedValue), realizations: realizations, method: base, perSize: perSize)
        // Every lattice must be buildable, and every filling possible on it.
        for s in sizes {
            do {
                let l = try Lattice(lx: s.lx, ly: s.ly, boundary: boundary)
                for f in fillings { _ = try Filling(filling: f, siteCount: l.siteCount) }
            } catch let e as ModelError {
                throw SweepError.invalidConfig("'sizes' \(s.label): \(e.message)")
            }
        }
        return config
    }

    static func parseMethod(_ json: JSON, defaults: Method, context: String) throws -> Method {
        var m = defaults
        if let s = json["solver"] {
            guard let v = s.stringValue, let c = SolverChoice(rawValue: v) else {
                throw SweepError.invalidConfig("'\(context)solver' must be dense, shift-invert, patches or auto")
            }
            m.solver = c
        }
        if let s = json["window"] {
            guard let v = s.stringValue, let w = FermiWindow(v) else {
                throw SweepError.invalidConfig("'\(context)window' must be levels:K or energy:D")
            }
            m.window = w
            m.windowText = v
        }
        if let s = json["algorithm"] {
            guard let v = s.stringValue, let a = GroundStateStudy.Algorithm(rawValue: v) else {
                throw SweepError.invalidConfig("'\(context)algorithm' must be paper or default")
            }
            m.algorithm = a
        }
        if let s = json["proposals"] {
            guard let v = s.intValue, v > 0 else { throw SweepError.invalidConfig("'\(context)proposals' must be a positive integer") }
            m.proposals = v
        }
        return m
    }

    /// The canonical JSON of this configuration; its fingerprint identifies the sweep so that
    /// resumed runs and merged shards can be checked against each other.
    public var canonicalJSON: JSON {
        func method(_ m: Method) -> JSON {
            m.json
        }
        return .object([
            ("sizes", .array(sizes.map { .string($0.label) })), ("W", .numbers(disorderStrengths)),
            ("fillings", .numbers(fillings)), ("U", .numbers(interactions)),
            ("t1", .number(t1)), ("t2", .number(t2)), ("mu", .number(mu)), ("boundary", .string(boundary.rawValue)),
            ("seed", .string(String(seed))), ("realizations", .ints(realizations)), ("method", method(self.method)),
            ("per_size", .object(perSize.keys.sorted().map { ($0, method(perSize[$0]!)) })),
        ])
    }

    /// A stable 64-bit fingerprint (FNV-1a of the canonical JSON), as 16 hex digits.
    public var fingerprint: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in canonicalJSON.serialized(compact: true).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return String(format: "%016llx", h)
    }
}

/// Errors of sweeps, shards and merges.
public enum SweepError: Error, Equatable, ParameterAdvising {
    case invalidConfig(Message)
    case mismatch(Message)
    case duplicate(Message)
    case corrupt(Message)

    public var description: String { message.description }

    /// The message; advice names ``Parameter``s (the CLI renders them as its options).
    public var message: Message {
        switch self {
        case .invalidConfig(let m), .mismatch(let m), .duplicate(let m), .corrupt(let m): return m
        }
    }
}

extension SweepConfig.Method {
    /// The method as results and the canonical configuration record it.
    public var json: JSON {
        .object([("solver", .string(solver.rawValue)), ("window", .string(windowText)), ("algorithm", .string(algorithm.rawValue)),
                 ("proposals", .int(proposals))])
    }
}
