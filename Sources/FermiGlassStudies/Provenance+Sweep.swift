import FermiGlassIO
import FermiGlassSolvers

extension Provenance {
    /// The provenance block of a sweep (sweep.json, and each unit's record): version, commit,
    /// command line, the BLAS `threads` asked for, the MPI ranks (under mpirun/srun), library
    /// versions, host and time.
    public static func sweep(threads: Int) -> JSON {
        .object([
            ("fermiglass_version", .string(version)), ("git_commit", .string(gitCommit)),
            ("command_line", .array(commandLine.map { .string($0) })), ("threads", .int(threads)),
        ] + (MPIStudyExecutor.ranks.map { [("mpi_ranks", JSON.int($0))] } ?? []) + [
            ("libraries", .object(LibraryVersions.all.map { ($0.0, .string($0.1)) })),
            ("host", .string(host)), ("time", .string(timestamp())),
        ])
    }
}
