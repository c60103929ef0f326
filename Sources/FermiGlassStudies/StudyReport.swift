import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// What a study's command writes: the body of summary.json, the files (arrays as .npy, tables
/// as .csv, per realization in r###/), and whether the result is to be flagged. The command
/// adds the envelope (command, status, memory plan, provenance) and writes it.
public struct StudyReport {
    public var summary: [(String, JSON)]
    public var files: [StudyFile]
    /// Set when the result is written but not certified (exit 4), with the reason.
    public var uncertified: String?
    /// Warnings for stderr; their advice names ``Parameter``s (a front end renders them).
    public var warnings: [Message]

    public init(summary: [(String, JSON)] = [], files: [StudyFile] = [], uncertified: String? = nil, warnings: [Message] = []) {
        self.summary = summary
        self.files = files
        self.uncertified = uncertified
        self.warnings = warnings
    }

    /// `r007/` for realization 7.
    public static func realizationDirectory(_ r: Int) -> String { String(format: "r%03d", r) }

    /// An array of realization `r` in r###/, and for a single-realization run (`single`) at the
    /// top level too (CONVENTIONS.md §4).
    public mutating func addRealizationArray(_ values: [Double], shape: [Int]? = nil, name: String, realization r: Int, single: Bool) {
        files.append(StudyFile(path: "\(Self.realizationDirectory(r))/\(name)", contents: .doubles(values, shape: shape)))
        if single { files.append(StudyFile(path: name, contents: .doubles(values, shape: shape))) }
    }

    public mutating func addRealizationArray(_ values: [Int], name: String, realization r: Int, single: Bool) {
        files.append(StudyFile(path: "\(Self.realizationDirectory(r))/\(name)", contents: .ints(values)))
        if single { files.append(StudyFile(path: name, contents: .ints(values))) }
    }

    public mutating func add(_ path: String, _ contents: StudyFile.Contents) {
        files.append(StudyFile(path: path, contents: contents))
    }
}

/// One output file, relative to the output directory.
public struct StudyFile {
    public enum Contents {
        case doubles([Double], shape: [Int]?)
        case ints([Int])
        case csv(CSVTable)
        case data(Data)
        /// Written by a function that creates the file at the path it is given and streams
        /// into it (a file too large to build in memory).
        case streamed(@Sendable (String) throws -> Void)
    }

    public var path: String
    public var contents: Contents

    public init(path: String, contents: Contents) {
        self.path = path
        self.contents = contents
    }
}

extension OutputDirectory {
    /// Writes one file of a study report.
    public func write(_ file: StudyFile) throws {
        switch file.contents {
        case .doubles(let v, let shape): try write(npy: v, shape: shape, to: file.path)
        case .ints(let v): try write(npy: v, to: file.path)
        case .csv(let t): try write(csv: t, to: file.path)
        case .data(let d): try write(d, to: file.path)
        case .streamed(let body): try writeStreamed(to: file.path, body)
        }
    }
}

/// A mean over realizations with its standard error and the per-realization values.
public func realizationStatistics(_ values: [Double]) -> JSON {
    .object([("mean", .number(Statistics.mean(values))), ("stderr", .number(Statistics.standardError(values))),
             ("per_realization", .numbers(values))])
}

extension MemoryEstimate {
    /// The plan as summary.json records it (`memory_plan`).
    public var json: JSON {
        .object([("estimated_bytes", .int(total)), ("available_bytes", .int(MemoryPlan.availableBytes)),
                 ("parts", .object(parts.map { ($0.name, .int($0.bytes)) })),
                 ("note", .string("estimated from the parameters before anything was allocated"))])
    }
}
