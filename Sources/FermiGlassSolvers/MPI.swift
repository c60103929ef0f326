internal import CMPI
import Foundation

// The one file that talks to MPI (Open MPI 4.1). It initialises MPI once per process, before
// the first MUMPS instance (Debian's MUMPS is the MPI build, run on MPI_COMM_SELF) or the
// first message between ranks, finalises it at exit, and maps every MPI error code to
// ``MessagePassingError``.

/// Errors of the MPI layer, with messages a user can act on.
public enum MessagePassingError: Error, Equatable, CustomStringConvertible {
    /// MPI_Init_thread or another MPI call returned an error code.
    case mpi(call: String, code: Int, message: String)
    /// The MPI library gives less thread support than the caller needs.
    case threadSupport(provided: Int, required: Int)

    public var description: String {
        switch self {
        case .mpi(let call, let code, let message): return "\(call) failed (MPI error \(code)): \(message)"
        case .threadSupport(let provided, let required):
            return "the MPI library provides thread level \(provided), FermiGlass needs \(required) (MPI_THREAD_MULTIPLE): use an Open MPI built with thread support"
        }
    }
}

/// The process's MPI runtime: started lazily, once, and finished at exit.
///
/// Without `mpirun`/`srun` the process is an MPI singleton (one rank); Open MPI is then asked
/// not to start its background daemon (`ess_singleton_isolated`), since a singleton only runs
/// MUMPS on MPI_COMM_SELF. Thread level MPI_THREAD_MULTIPLE is requested: MUMPS calls are
/// serialised by MUMPS.swift's lock, but rank 0 hands out units on one thread while it
/// computes on another.
public enum MPIRuntime {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var state: Result<Int32, MessagePassingError>?

    /// Whether a launcher (mpirun, srun, another PMI launcher) started this process: decided
    /// from the environment, without touching MPI.
    public static var launchedByLauncher: Bool {
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { env[$0] != nil }
    }

    /// Initialises MPI if nobody has (idempotent, thread-safe); returns the thread level
    /// provided. Registers MPI_Finalize to run at process exit.
    @discardableResult
    public static func initialize() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        if let state { return Int(try state.get()) }
        var already: Int32 = 0
        MPI_Initialized(&already)
        if already != 0 {
            var provided: Int32 = 0
            MPI_Query_thread(&provided)
            state = .success(provided)
            return Int(provided)
        }
        if !launchedByLauncher && getenv("OMPI_MCA_ess_singleton_isolated") == nil {
            setenv("OMPI_MCA_ess_singleton_isolated", "1", 1)
        }
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_MULTIPLE), &provided)
        if code != MPI_SUCCESS {
            let error = MessagePassingError.mpi(call: "MPI_Init_thread", code: Int(code), message: errorString(code))
            state = .failure(error)
            throw error
        }
        state = .success(provided)
        atexit { MPIRuntime.finalize() }
        return Int(provided)
    }

    /// MPI_Finalize, if MPI is running (called at exit; harmless to call twice).
    public static func finalize() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }

    /// The Fortran handle of MPI_COMM_SELF (MUMPS's COMM_FORTRAN), MPI initialised first.
    static func selfCommunicatorFortranHandle() throws -> Int32 {
        try initialize()
        return fermiglass_mpi_comm_self_fortran()
    }

    /// The MPI library's version line (MPI_Get_library_version, valid before MPI_Init).
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        let text = String(cString: buffer)
        return text.split(separator: ",").first.map(String.init) ?? text
    }

    /// MPI's text for an error code.
    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        return String(cString: buffer)
    }
}
