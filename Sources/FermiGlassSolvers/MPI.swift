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

    /// This process's rank as the launcher's environment gives it (Open MPI, PMIx, PMI,
    /// Slurm), without touching MPI: nil without a launcher. For decisions taken before MPI
    /// starts (only rank 0 reports bad input).
    public static var launcherRank: Int? {
        guard launchedByLauncher else { return nil }
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"].lazy.compactMap { env[$0].flatMap(Int.init) }.first
    }

    /// The number of ranks as the launcher's environment gives it, without touching MPI: nil
    /// without a launcher (or when the launcher does not say).
    public static var launcherSize: Int? {
        guard launchedByLauncher else { return nil }
        let env = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"].lazy.compactMap { env[$0].flatMap(Int.init) }.first
    }

    /// This process's rank in MPI_COMM_WORLD (MPI initialised first).
    public static func rank() throws -> Int {
        try initialize()
        var r: Int32 = 0
        try check(MPI_Comm_rank(fermiglass_mpi_comm_world(), &r), "MPI_Comm_rank")
        return Int(r)
    }

    /// The number of ranks in MPI_COMM_WORLD (MPI initialised first).
    public static func size() throws -> Int {
        try initialize()
        var n: Int32 = 0
        try check(MPI_Comm_size(fermiglass_mpi_comm_world(), &n), "MPI_Comm_size")
        return Int(n)
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

    /// Throws ``MessagePassingError/mpi(call:code:message:)`` for a code other than MPI_SUCCESS.
    static func check(_ code: Int32, _ call: String) throws {
        guard code != MPI_SUCCESS else { return }
        throw MessagePassingError.mpi(call: call, code: Int(code), message: errorString(code))
    }

    /// MPI's text for an error code.
    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        return String(cString: buffer)
    }
}

/// Byte messages between ranks of MPI_COMM_WORLD: what the study executor needs (rank 0 hands
/// out units, the others send records back), nothing more.
///
/// Waits are lazy: a rank waiting for a message polls (MPI_Iprobe) and sleeps a millisecond
/// between polls, so that an idle rank leaves its core to the ranks that compute (Open MPI's
/// blocking receive spins).
public enum MessagePassing {
    /// A received message.
    public struct Message: Sendable {
        public var source: Int
        public var tag: Int
        public var bytes: [UInt8]
    }

    /// Sends `bytes` to `rank` with `tag` (blocking until the buffer can be reused). At most
    /// 2^31 - 1 bytes (MPI's count is an int).
    public static func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
        guard bytes.count < Int(Int32.max) else {
            throw MessagePassingError.mpi(call: "MPI_Send", code: -1, message: "a message of \(bytes.count) bytes is over MPI's 2 GB limit per message")
        }
        try MPIRuntime.initialize()
        let code = bytes.withUnsafeBytes { raw in
            MPI_Send(raw.baseAddress, Int32(bytes.count), fermiglass_mpi_byte(), Int32(rank), Int32(tag), fermiglass_mpi_comm_world())
        }
        try MPIRuntime.check(code, "MPI_Send")
    }

    /// The next message from `source` (any rank when nil), if one is waiting; nil otherwise.
    public static func poll(from source: Int? = nil) throws -> Message? {
        try MPIRuntime.initialize()
        var flag: Int32 = 0
        var status = MPI_Status()
        try MPIRuntime.check(MPI_Iprobe(Int32(source ?? Int(MPI_ANY_SOURCE)), MPI_ANY_TAG, fermiglass_mpi_comm_world(), &flag, &status), "MPI_Iprobe")
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        try MPIRuntime.check(MPI_Get_count(&status, fermiglass_mpi_byte(), &count), "MPI_Get_count")
        var bytes = [UInt8](repeating: 0, count: Int(count))
        let code = bytes.withUnsafeMutableBytes { raw in
            MPI_Recv(raw.baseAddress, count, fermiglass_mpi_byte(), status.MPI_SOURCE, status.MPI_TAG, fermiglass_mpi_comm_world(), fermiglass_mpi_status_ignore())
        }
        try MPIRuntime.check(code, "MPI_Recv")
        return Message(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), bytes: bytes)
    }

    /// Waits (lazily) for the next message from `source` (any rank when nil).
    public static func receive(from source: Int? = nil) throws -> Message {
        while true {
            if let m = try poll(from: source) { return m }
            usleep(1000)
        }
    }
}
