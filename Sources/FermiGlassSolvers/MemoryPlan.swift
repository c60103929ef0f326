#if canImport(Glibc)
import FermiGlassModel
import Glibc
#endif

/// Refuses, before anything is allocated, a plan that will not fit in memory.
public enum MemoryPlan {
    /// Physical memory available to this process, in bytes (MemAvailable from /proc/meminfo,
    /// or the physical total where that is unreadable). Overridable with
    /// FERMIGLASS_MEMORY_LIMIT (bytes, or with a K/M/G suffix) for tests and shared nodes.
    public static var availableBytes: Int {
        if let env = getenv("FERMIGLASS_MEMORY_LIMIT").map({ String(cString: $0) }), let v = parseBytes(env) {
            return v
        }
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let parts = line.split(separator: " ")
                if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
            }
        }
        return Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// "12G", "500M", "1024" -> bytes.
    public static func parseBytes(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        guard let last = t.last else { return nil }
        let scale: Int
        var digits = t
        switch last {
        case "K": scale = 1 << 10; digits.removeLast()
        case "M": scale = 1 << 20; digits.removeLast()
        case "G": scale = 1 << 30; digits.removeLast()
        default: scale = 1
        }
        guard let v = Double(digits), v.isFinite, v > 0 else { return nil }
        return Int(v * Double(scale))
    }

    /// Throws ``SolverError/insufficientMemory`` when `bytes` exceed the available memory.
    public static func require(bytes: Int, what: String) throws {
        let available = availableBytes
        if bytes > available {
            throw SolverError.insufficientMemory(
                required: bytes, available: available,
                message: "\(what) needs about \(format(bytes)) of memory, but only \(format(available)) is available; "
                    + "use a smaller lattice or the shift-invert solver (\(.solver) shift-invert)")
        }
    }

    /// Human-readable byte count.
    public static func format(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 9.0e18 { return "more than 8 EiB" }
        for (unit, scale) in [("EiB", 60), ("PiB", 50), ("TiB", 40)] where b >= Double(1 << scale) {
            return String(format: "%.1f %@", b / Double(1 << scale), unit)
        }
        if b >= Double(1 << 30) { return String(format: "%.1f GiB", b / Double(1 << 30)) }
        if b >= Double(1 << 20) { return String(format: "%.1f MiB", b / Double(1 << 20)) }
        return "\(bytes) bytes"
    }
}

import Foundation
