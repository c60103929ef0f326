import FermiGlassIO
import FermiGlassModel
import Foundation

/// Runs the units of a sweep that belong to a shard and are not finished yet, appending each
/// to the ``ResultsStore`` as soon as it is done.
public struct SweepRunner {
    public var config: SweepConfig
    public var shard: Shard
    public var store: ResultsStore
    /// Computes one unit's rows (one JSON object per U, or one row without U).
    public var compute: (SweepUnit, SweepConfig.Method) throws -> [JSON]
    /// Called after each unit: (done in this shard, total in this shard, seconds for this unit).
    public var progress: (Int, Int, Double) -> Void = { _, _, _ in }

    public init(config: SweepConfig, shard: Shard, store: ResultsStore,
                compute: @escaping (SweepUnit, SweepConfig.Method) throws -> [JSON]) {
        self.config = config
        self.shard = shard
        self.store = store
        self.compute = compute
    }

    /// Returns (units computed now, units found finished).
    @discardableResult
    public func run(provenance: () -> JSON) throws -> (computed: Int, skipped: Int) {
        let mine = config.units.filter { shard.contains($0) }
        let finished = store.finishedKeys
        var computed = 0
        let skipped = mine.filter { finished.contains($0.key) }.count
        for unit in mine where !finished.contains(unit.key) {
            let start = Date()
            let method = config.method(for: unit.size)
            let rows = try compute(unit, method)
            let record = JSON.object([
                ("unit", .int(unit.index)), ("key", .string(unit.key)), ("columns", .object(unit.columns)),
                ("method", method.json),
                ("rows", .array(rows)),
                ("seconds", .number(Date().timeIntervalSince(start))), ("provenance", provenance()),
            ])
            try store.append(record)
            computed += 1
            progress(skipped + computed, mine.count, Date().timeIntervalSince(start))
        }
        try store.writeCSV()
        return (computed, skipped)
    }
}
