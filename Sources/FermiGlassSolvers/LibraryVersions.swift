import Foundation

/// Versions of the C libraries in use, and the BLAS threading, for provenance records. Each
/// library's own wrapper file answers for it (no C import here).
public enum LibraryVersions {
    /// CHOLMOD's run-time version, e.g. "3.0.14".
    public static var cholmod: String { LDLFactorization.version }

    /// MUMPS's version (Debian's MPI build, run on MPI_COMM_SELF), e.g. "5.5.1".
    public static var mumps: String { MUMPSFactorization.version }

    /// ARPACK-NG's version from its pkg-config file (ARPACK has no run-time version call).
    public static var arpack: String { ARPACK.version }

    /// Everything at once, as (key, value) pairs in a fixed order.
    public static var all: [(String, String)] {
        [("lapack", LAPACKRuntime.version), ("openblas", BLASRuntime.configuration), ("openblas_core", BLASRuntime.coreName),
         ("openblas_threads", String(BLASRuntime.threads)), ("cholmod", cholmod), ("mumps", mumps), ("arpack", arpack),
         ("OPENBLAS_CORETYPE", ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")]
    }
}
