import Foundation

/// Versions of the C libraries in use, and the BLAS threading, for provenance records.
public enum LibraryVersions {
    /// CHOLMOD's run-time version, e.g. "3.0.14".
    public static var cholmod: String { LDLFactorization.version }

    /// MUMPS's version (sequential build), e.g. "5.5.1".
    public static var mumps: String { MUMPSFactorization.version }

    /// ARPACK-NG's version from its pkg-config file (ARPACK has no run-time version call).
    public static var arpack: String {
        for dir in ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig"] {
            if let text = try? String(contentsOfFile: dir + "/arpack.pc", encoding: .utf8) {
                for line in text.split(separator: "\n") where line.hasPrefix("Version:") {
                    return "arpack-ng " + line.dropFirst(8).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return "arpack-ng (version unknown)"
    }

    /// Everything at once, as (key, value) pairs in a fixed order.
    public static var all: [(String, String)] {
        [("lapack", LAPACKRuntime.version), ("openblas", BLASRuntime.configuration), ("openblas_core", BLASRuntime.coreName),
         ("openblas_threads", String(BLASRuntime.threads)), ("cholmod", cholmod), ("mumps", mumps), ("arpack", arpack),
         ("OPENBLAS_CORETYPE", ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")]
    }
}
