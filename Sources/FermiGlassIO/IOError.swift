import FermiGlassModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File-level errors; each message names the file and what is wrong with it.
public enum IOError: Error, Equatable, ParameterAdvising {
    case invalidFile(Message)
    case unreadable(Message)
    case outputNotEmpty(Message)
    case writeFailed(Message)
    /// Another process holds the output directory's lock (exit code 5, CONVENTIONS.md §4).
    case locked(Message)

    public var description: String { message.description }

    /// The message; advice names ``Parameter``s (the CLI renders them as its options).
    public var message: Message {
        switch self {
        case .invalidFile(let m), .unreadable(let m), .outputNotEmpty(let m), .writeFailed(let m), .locked(let m): return m
        }
    }

    /// A failed file-system call in the user's words: what could not be done to which path,
    /// and why (a full disk, a file where a directory should be, a permission, ...).
    public static func fileSystem(_ code: Int32, path: String, action: String) -> IOError {
        let reason: String
        switch code {
        case ENOSPC: reason = "the disk is full"
        case EDQUOT: reason = "the disk quota is exhausted"
        case ENOTDIR: reason = "a part of the path is a file, not a directory"
        case EACCES, EPERM: reason = "permission denied"
        case EROFS: reason = "the file system is read-only"
        case ENOENT: reason = "a directory on the path does not exist"
        case EEXIST: reason = "a file of that name already exists"
        default: reason = String(cString: strerror(code))
        }
        return .writeFailed("cannot \(action) \(path): \(reason)")
    }

    /// The errno behind a Foundation error (NSError's underlying POSIX error), if any.
    public static func errnoCode(of error: Error) -> Int32? {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return errnoCode(of: underlying) }
        switch ns.code {
        case NSFileWriteOutOfSpaceError: return ENOSPC
        case NSFileWriteVolumeReadOnlyError: return EROFS
        case NSFileWriteNoPermissionError: return EACCES
        default: return nil
        }
    }

    /// Checks that `parent` is (or can become) a directory: a path component that is a file,
    /// or a dangling symbolic link at `path`, is reported by name instead of failing later.
    static func ensureParentDirectory(_ parent: URL, for path: String) throws {
        var isDirectory: ObjCBool = false
        var cursor = parent
        while !FileManager.default.fileExists(atPath: cursor.path, isDirectory: &isDirectory) && cursor.path != "/" {
            cursor.deleteLastPathComponent()
        }
        if !isDirectory.boolValue {
            throw IOError.writeFailed("cannot create the output directory \(path): \(cursor.path) is a file, not a directory")
        }
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil && !FileManager.default.fileExists(atPath: path) {
            throw IOError.writeFailed("cannot use \(path) as the output directory: it is a symbolic link to a path that does not exist")
        }
        if FileManager.default.fileExists(atPath: parent.path) == false {
            do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
                throw fileSystem(errnoCode(of: error) ?? EIO, path: parent.path, action: "create the directory")
            }
        }
    }
}
