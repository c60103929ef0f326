internal import CARPACK
import FermiGlassModel
import Foundation

// The one file that talks to ARPACK-NG (dsaupd_c / dseupd_c, reverse communication). It owns
// every work array it hands to the library and maps every `info` code to ``SolverError``.
//
// ARPACK keeps state in Fortran SAVE variables between reverse-communication calls, so it is
// NOT thread-safe: every solve in the process runs under one lock (`ARPACK.lock`), one at a time.

/// Options of one implicitly restarted Lanczos run (ARPACK's dsaupd).
public struct LanczosOptions: Sendable, Equatable {
    /// Krylov basis size ncv (nil: 2 nev + 16 for the block method, 1.5 nev + 16 above 2 GB, max(2 nev + 1, nev + 20)
    /// for ARPACK; capped at the dimension). More vectors converge in fewer restarts but cost
    /// `8 n ncv` bytes.
    public var basisSize: Int?
    /// Relative residual tolerance ||A y - theta y|| <= tol |theta| on the shift-inverted
    /// operator A (0: 1e-13 for the block method, machine epsilon for ARPACK).
    public var tolerance: Double
    /// Maximum number of implicit restarts (ARPACK's iparam(3)).
    public var maxRestarts: Int
    /// Seed of the starting vector (SplitMix64): the same seed gives bit-identical results.
    public var seed: UInt64
    /// The Krylov method: block Krylov-Schur (default, BLAS-3 and multi-RHS solves) or ARPACK.
    public var method: KrylovMethod
    /// Called by the block method at each convergence test with ("Lanczos run, pairs converged", wanted pairs
    /// converged, wanted pairs): progress inside one long run. Not part of the numbers (two
    /// options differing only here compare equal).
    public var progress: ProgressHook? = nil

    public init(basisSize: Int? = nil, tolerance: Double = 0, maxRestarts: Int = 1000, seed: UInt64 = 1, method: KrylovMethod = .block) {
        self.method = method
        self.basisSize = basisSize
        self.tolerance = tolerance
        self.maxRestarts = maxRestarts
        self.seed = seed
    }

    /// The ncv actually used for `nev` wanted pairs of an `n`-dimensional problem.
    public func ncv(nev: Int, dimension n: Int) -> Int {
        min(n, basisSize ?? max(2 * nev + 1, nev + 20))
    }
}

/// Which Krylov eigensolver runs on (H - sigma I)^-1.
public enum KrylovMethod: String, Sendable, Equatable, CaseIterable {
    /// FermiGlass's block Krylov-Schur (thick-restart block Lanczos), ``BlockKrylovSchur``.
    case block
    /// ARPACK-NG dsaupd/dseupd, mode 3.
    case arpack
}

/// Result of one shift-invert Lanczos run.
struct LanczosResult {
    /// Eigenvalues of the original problem (sigma + 1/theta), as ARPACK returns them.
    var values: [Double]
    /// Column-major `n x values.count` Ritz vectors.
    var vectors: [Double]
    /// Implicit restarts used (iparam(3) on exit).
    var restarts: Int
    /// Applications of the operator (H - sigma)^-1 (iparam(9) on exit).
    var operatorApplications: Int
    /// Seconds in the reverse-communication loop (dsaupd + solves).
    var lanczosSeconds: Double
    /// Seconds in dseupd (Ritz vectors).
    var ritzSeconds: Double
}

enum ARPACK {
    /// Serialises every use of ARPACK in the process (its Fortran SAVE state is global).
    static let lock = NSLock()

    /// ARPACK-NG's version from its pkg-config file (ARPACK has no run-time version call).
    static var version: String {
        for dir in ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig"] {
            if let text = try? String(contentsOfFile: dir + "/arpack.pc", encoding: .utf8) {
                for line in text.split(separator: "\n") where line.hasPrefix("Version:") {
                    return "arpack-ng " + line.dropFirst(8).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return "arpack-ng (version unknown)"
    }

    /// The `nev` eigenpairs of H closest to `sigma`, by ARPACK mode 3 (shift-invert, which = "LM"
    /// on OP = (H - sigma I)^-1). `applyInverse(x, y)` must set y = (H - sigma I)^-1 x.
    static func shiftInvert(dimension n: Int, nev: Int, sigma: Double, options: LanczosOptions,
                            applyInverse: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) throws -> Void) throws -> LanczosResult {
        guard nev > 0 else { throw SolverError.invalidArgument("the number of eigenpairs must be positive, got \(nev)") }
        guard nev < n else {
            throw SolverError.invalidArgument("ARPACK needs fewer eigenpairs than the dimension: asked for \(nev) of \(n); use the dense solver (\(.solver) dense) for this size")
        }
        let ncv = options.ncv(nev: nev, dimension: n)
        guard ncv > nev, ncv <= n else {
            throw SolverError.invalidArgument("the Lanczos basis size ncv = \(ncv) must satisfy nev = \(nev) < ncv <= n = \(n); raise \(.basisSize) (at least \(nev + 1), ideally \(2 * nev + 1))")
        }
        guard options.maxRestarts > 0 else { throw SolverError.invalidArgument("the maximum number of restarts must be positive, got \(options.maxRestarts)") }
        guard options.tolerance >= 0, options.tolerance.isFinite else {
            throw SolverError.invalidArgument("the Lanczos tolerance must be a non-negative number, got \(options.tolerance)")
        }
        try MemoryPlan.require(bytes: 8 * n * (ncv + nev + 4) + 8 * ncv * (ncv + 8),
                               what: "the Lanczos basis (ncv = \(ncv)) and \(nev) eigenvectors of dimension \(n)")

        lock.lock()
        defer { lock.unlock() }

        var resid = [Double](repeating: 0, count: n)
        var rng = SplitMix64(seed: options.seed, stream: 0x4C414E43)  // "LANC"
        for i in 0..<n { resid[i] = Double(rng.next() >> 11) * 0x1.0p-53 - 0.5 }
        var v = [Double](repeating: 0, count: n * ncv)
        var workd = [Double](repeating: 0, count: 3 * n)
        let lworkl = ncv * (ncv + 8)
        var workl = [Double](repeating: 0, count: lworkl)
        var iparam = [Int32](repeating: 0, count: 11)
        var ipntr = [Int32](repeating: 0, count: 11)
        iparam[0] = 1  // exact shifts
        iparam[2] = Int32(options.maxRestarts)
        iparam[6] = 3  // mode 3: shift-invert
        let clock = ContinuousClock()
        let t0 = clock.now
        var ido: Int32 = 0
        var info: Int32 = 1  // resid holds the starting vector
        let tol = options.tolerance

        try resid.withUnsafeMutableBufferPointer { rp in
            try v.withUnsafeMutableBufferPointer { vp in
                try workd.withUnsafeMutableBufferPointer { wd in
                    try workl.withUnsafeMutableBufferPointer { wl in
                        while true {
                            dsaupd_c(&ido, "I", Int32(n), "LM", Int32(nev), tol, rp.baseAddress, Int32(ncv), vp.baseAddress, Int32(n),
                                     &iparam, &ipntr, wd.baseAddress, wl.baseAddress, Int32(lworkl), &info)
                            if ido == -1 || ido == 1 {
                                try applyInverse(wd.baseAddress! + Int(ipntr[0] - 1), wd.baseAddress! + Int(ipntr[1] - 1))
                            } else if ido == 2 {
                                (wd.baseAddress! + Int(ipntr[1] - 1)).update(from: wd.baseAddress! + Int(ipntr[0] - 1), count: n)
                            } else {
                                break
                            }
                        }
                    }
                }
            }
        }
        let converged = Int(iparam[4])
        if info == 1 {
            throw SolverError.noConvergence(
                converged: converged, requested: nev,
                message: "ARPACK (shift-invert at sigma = \(sigma)) reached the maximum of \(options.maxRestarts) restarts with \(converged) of \(nev) eigenpairs converged; raise \(.maxRestarts), enlarge the basis (\(.basisSize), now \(ncv)), or loosen \(.tolerance) (now \(tol == 0 ? "machine precision" : "\(tol)"))")
        }
        if info == 3 {
            throw SolverError.arpack(routine: "dsaupd", info: 3,
                                     message: "no shifts could be applied during a Lanczos restart (\(converged) of \(nev) converged); enlarge the basis: \(.basisSize) larger than \(ncv), ideally 2 * count + 1")
        }
        try checkSaupd(info, nev: nev, ncv: ncv, n: n)

        let t1 = clock.now
        var select = [Int32](repeating: 1, count: ncv)
        var d = [Double](repeating: 0, count: nev)
        var z = [Double](repeating: 0, count: n * nev)
        var einfo: Int32 = 0
        resid.withUnsafeMutableBufferPointer { rp in
            v.withUnsafeMutableBufferPointer { vp in
                workd.withUnsafeMutableBufferPointer { wd in
                    workl.withUnsafeMutableBufferPointer { wl in
                        dseupd_c(1, "A", &select, &d, &z, Int32(n), sigma, "I", Int32(n), "LM", Int32(nev), tol, rp.baseAddress,
                                 Int32(ncv), vp.baseAddress, Int32(n), &iparam, &ipntr, wd.baseAddress, wl.baseAddress, Int32(lworkl), &einfo)
                    }
                }
            }
        }
        try checkSeupd(einfo, converged: converged, nev: nev, ncv: ncv)
        let got = min(Int(iparam[4]), nev)
        return LanczosResult(values: Array(d[0..<got]), vectors: Array(z[0..<(n * got)]),
                             restarts: Int(iparam[2]), operatorApplications: Int(iparam[8]),
                             lanczosSeconds: (t1 - t0).seconds, ritzSeconds: (clock.now - t1).seconds)
    }

    /// dsaupd's error codes (arpack-ng SRC/dsaupd.f) as typed errors.
    private static func checkSaupd(_ info: Int32, nev: Int, ncv: Int, n: Int) throws {
        let m: Message
        switch info {
        case 0: return
        case -1: m = "the dimension n = \(n) must be positive"
        case -2: m = "the number of eigenpairs nev = \(nev) must be positive"
        case -3: m = "ncv = \(ncv) must satisfy nev < ncv <= n (nev = \(nev), n = \(n)); change \(.basisSize)"
        case -4: m = "the maximum number of restarts must be positive"
        case -5: m = "WHICH must be one of LM, SM, LA, SA or BE (a bug in FermiGlass: please report it)"
        case -6: m = "BMAT must be I or G (a bug in FermiGlass: please report it)"
        case -7: m = "the private work array is too short (a bug in FermiGlass: please report it)"
        case -8: m = "LAPACK dsteqr failed on the tridiagonal matrix; try another \(.seed) or a larger \(.basisSize)"
        case -9: m = "the starting vector is zero; use another \(.seed)"
        case -10: m = "iparam(7) mode must be 1 to 5 (a bug in FermiGlass: please report it)"
        case -11: m = "mode 1 and BMAT = G are incompatible (a bug in FermiGlass: please report it)"
        case -12: m = "nev and WHICH = BE are incompatible (a bug in FermiGlass: please report it)"
        case -13: m = "nev = \(nev) exceeds n = \(n)"
        case -9999:
            m = "could not build a Lanczos factorization (the operator may be singular or the shift sits on an eigenvalue); move the shift or use another \(.seed)"
        default: m = "unknown dsaupd status"
        }
        throw SolverError.arpack(routine: "dsaupd", info: Int(info), message: m)
    }

    /// dseupd's error codes (arpack-ng SRC/dseupd.f) as typed errors.
    private static func checkSeupd(_ info: Int32, converged: Int, nev: Int, ncv: Int) throws {
        let m: Message
        switch info {
        case 0: return
        case -14:
            throw SolverError.noConvergence(converged: 0, requested: nev,
                                            message: "dseupd: dsaupd found no eigenpair to the requested accuracy (\(converged) of \(nev) converged); raise \(.maxRestarts) or \(.basisSize) (now \(ncv)), or loosen \(.tolerance)")
        case -17:
            m = "dseupd counted a different number of converged Ritz values than dsaupd (\(converged)); the eigenvalues near the shift are too clustered for this basis; raise \(.basisSize) (now \(ncv))"
        case -1, -2, -3, -5, -6, -7:
            m = "invalid arguments passed from dsaupd to dseupd (a bug in FermiGlass: please report it)"
        case -8, -9:
            m = "LAPACK failed on the projected tridiagonal matrix; try another \(.seed) or a larger \(.basisSize)"
        case -15, -16:
            m = "HOWMNY must be A (a bug in FermiGlass: please report it)"
        default: m = "unknown dseupd status"
        }
        throw SolverError.arpack(routine: "dseupd", info: Int(info), message: m)
    }
}
