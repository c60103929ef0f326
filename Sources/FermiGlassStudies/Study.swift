import Foundation

/// A computation split into independent units of work (disorder realizations, (W, realization)
/// pairs, and later patches or sweep units), each of which yields a typed ``Record``, and an
/// aggregate that turns the records, in unit order, into the study's ``Output``.
///
/// The contract that makes a study runnable on any number of workers (``StudyRunner``: child
/// processes with `--jobs N`, later MPI ranks) with bit-identical output:
///
/// * ``record(for:)`` depends only on the study's parameters and the unit (every random stream
///   is seeded from the seed and the unit's identity, never from shared state or from which
///   units ran before in the same process);
/// * ``aggregate(_:)`` receives the records in the order of ``units``, whatever order the
///   workers finished in;
/// * a ``Record`` is a value that survives ``StudyRecordCoding`` (it is what a worker process
///   hands back to the parent). The runner passes every record through that coding, in process
///   too, so the aggregate sees the same values whether the unit ran here or in a worker.
///
/// A study is built from its parameters alone (no open files, no output directory), so that a
/// worker process can rebuild the same study from the same command line.
public protocol Study: Sendable {
    /// One unit's typed outcome: everything the aggregate and the unit's output files need.
    associatedtype Record: Codable & Sendable
    /// The aggregate over all units.
    associatedtype Output

    /// The units, in output order (for a realization study: the realization numbers).
    var units: [Int] { get }

    /// What a unit is, for progress lines ("realization", "width").
    var unitKind: String { get }

    /// The unit in words, for progress lines and error messages ("realization 3").
    func describe(unit: Int) -> String

    /// Computes one unit. Deterministic from the study's parameters and `unit` alone.
    func record(for unit: Int) throws -> Record

    /// Combines the records, given in the order of ``units``.
    func aggregate(_ records: [Record]) throws -> Output
}

extension Study {
    public var unitKind: String { "realization" }
    public func describe(unit: Int) -> String { "realization \(unit)" }

    /// Runs every unit here, one after another, and aggregates: the plain library call
    /// (``StudyRunner`` adds workers, progress and ordered delivery).
    public func run() throws -> Output { try StudyRunner().run(self) }
}
