import FermiGlassModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an output directory, so that two runs never write one directory at
/// once (two `sweep --resume` on the same directory would compute every unit twice).
///
/// The lock is `flock(2)` on `<parent>/.<name>.lock`, which holds the owner's pid. The kernel
/// releases it when the process ends, however it ends (a SIGKILL included), so a stale lock
/// never blocks a later run. The lock file itself stays (removing it would race with a process
/// that has just opened it).
public final class OutputLock {
    public let lockURL: URL
    private let fd: Int32

    /// Takes the lock of `directory` or throws ``IOError/locked(_:)`` naming the holder's pid.
    public init(for directory: URL) throws {
        let dir = directory.standardizedFileURL
        let parent = dir.deletingLastPathComponent()
        lockURL = parent.appendingPathComponent(".\(dir.lastPathComponent).lock")
        try IOError.ensureParentDirectory(parent, for: dir.path)
        let fd = open(lockURL.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOError.fileSystem(errno, path: lockURL.path, action: "create the lock file") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOf: lockURL, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw IOError.locked("output directory \(dir.path) is being written by another process (pid \(holder.isEmpty ? "?" : holder), lock \(lockURL.path)); wait for it to finish or choose another \(.output)")
        }
        self.fd = fd
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, pid.count, 0) }
    }

    deinit { close(fd) }
}
