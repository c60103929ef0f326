import Foundation

/// A JSON value with ordered object keys, so that `summary.json` reads top-down (parameters,
/// then results, then provenance) and is byte-identical for identical runs. Non-finite numbers
/// are written as `null`.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    /// Builds an array of numbers.
    public static func numbers(_ xs: [Double]) -> JSON { .array(xs.map { .number($0) }) }
    public static func ints(_ xs: [Int]) -> JSON { .array(xs.map { .int($0) }) }

    /// Looks up a key in an object.
    public subscript(key: String) -> JSON? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// Returns the object with `key` set (replaced in place or appended).
    public func setting(_ key: String, _ value: JSON) -> JSON {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }

    public var doubleValue: Double? {
        switch self {
        case .number(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .number(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [(String, JSON)]? { if case .object(let o) = self { return o }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// Pretty-printed text (two-space indent), or one line when `compact`.
    public func serialized(compact: Bool = false) -> String {
        var out = ""
        write(to: &out, indent: 0, compact: compact)
        return out
    }

    private func write(to out: inout String, indent: Int, compact: Bool) {
        let pad = compact ? "" : String(repeating: "  ", count: indent + 1)
        let close = compact ? "" : String(repeating: "  ", count: indent)
        let nl = compact ? "" : "\n"
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += JSON.format(d)
        case .string(let s): out += JSON.quote(s)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line.
            if a.allSatisfy({ $0.isScalar }) {
                out += "[" + a.map { $0.serialized(compact: true) }.joined(separator: compact ? "," : ", ") + "]"
                return
            }
            out += "[" + nl
            for (k, v) in a.enumerated() {
                out += pad
                v.write(to: &out, indent: indent + 1, compact: compact)
                out += (k + 1 < a.count ? "," : "") + nl
            }
            out += close + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (k, (key, v)) in o.enumerated() {
                out += pad + JSON.quote(key) + (compact ? ":" : ": ")
                v.write(to: &out, indent: indent + 1, compact: compact)
                out += (k + 1 < o.count ? "," : "") + nl
            }
            out += close + "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// Shortest representation that reads back to the same double; `null` if not finite.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    static func quote(_ s: String) -> String {
        var r = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            case "\r": r += "\\r"
            default:
                if ch.value < 0x20 { r += String(format: "\\u%04x", ch.value) } else { r.unicodeScalars.append(ch) }
            }
        }
        return r + "\""
    }

    /// Parses JSON text (object key order is preserved).
    public static func parse(_ text: String) throws -> JSON {
        var p = Parser(Array(text.utf8))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.s.count else { throw IOError.invalidFile("trailing characters after JSON value at byte \(p.i)") }
        return v
    }

    private struct Parser {
        let s: [UInt8]
        var i = 0
        init(_ s: [UInt8]) { self.s = s }
        mutating func skipSpace() { while i < s.count, [0x20, 0x0A, 0x0D, 0x09].contains(s[i]) { i += 1 } }
        func fail(_ m: String) -> IOError { IOError.invalidFile("malformed JSON at byte \(i): \(m)") }
        mutating func value() throws -> JSON {
            skipSpace()
            guard i < s.count else { throw fail("unexpected end") }
            switch s[i] {
            case UInt8(ascii: "{"):
                i += 1
                var pairs = [(String, JSON)]()
                skipSpace()
                if i < s.count, s[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard case .string(let k) = try value() else { throw fail("object key must be a string") }
                    skipSpace()
                    guard i < s.count, s[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    pairs.append((k, try value()))
                    skipSpace()
                    guard i < s.count else { throw fail("unterminated object") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items = [JSON]()
                skipSpace()
                if i < s.count, s[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < s.count else { throw fail("unterminated array") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                i += 1
                var bytes = [UInt8]()
                while i < s.count, s[i] != UInt8(ascii: "\"") {
                    if s[i] == UInt8(ascii: "\\") {
                        i += 1
                        guard i < s.count else { break }
                        switch s[i] {
                        case UInt8(ascii: "n"): bytes.append(0x0A)
                        case UInt8(ascii: "t"): bytes.append(0x09)
                        case UInt8(ascii: "r"): bytes.append(0x0D)
                        case UInt8(ascii: "b"): bytes.append(0x08)
                        case UInt8(ascii: "f"): bytes.append(0x0C)
                        case UInt8(ascii: "u"):
                            guard i + 4 < s.count, let code = UInt32(String(decoding: s[(i + 1)...(i + 4)], as: UTF8.self), radix: 16),
                                  let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
                            bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                            i += 4
                        default: bytes.append(s[i])
                        }
                    } else {
                        bytes.append(s[i])
                    }
                    i += 1
                }
                guard i < s.count else { throw fail("unterminated string") }
                i += 1
                return .string(String(decoding: bytes, as: UTF8.self))
            case UInt8(ascii: "t"):
                guard s[i...].starts(with: Array("true".utf8)) else { throw fail("bad literal") }
                i += 4; return .bool(true)
            case UInt8(ascii: "f"):
                guard s[i...].starts(with: Array("false".utf8)) else { throw fail("bad literal") }
                i += 5; return .bool(false)
            case UInt8(ascii: "n"):
                guard s[i...].starts(with: Array("null".utf8)) else { throw fail("bad literal") }
                i += 4; return .null
            default:
                let start = i
                while i < s.count, "+-0123456789.eE".utf8.contains(s[i]) { i += 1 }
                let text = String(decoding: s[start..<i], as: UTF8.self)
                if !text.contains(where: { ".eE".contains($0) }), let n = Int(text) { return .int(n) }
                guard let d = Double(text) else { throw fail("bad number '\(text)'") }
                return .number(d)
            }
        }
    }
}
