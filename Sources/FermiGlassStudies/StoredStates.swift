import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// Compressed local eigenstates (``LocalEigenstates``) as part of a study record: the same
/// numbers coded compactly (doubles as raw bytes, ``Packed``), written as states.npz by
/// streaming (``writeNPZ(path:)``): scipy.sparse's CSC layout of the sites x states matrix,
/// one column per state, int64 `indices` and `indptr`, ZIP64 when a member or the archive
/// passes 4 GiB. Only one column at a time is built: the archive (16 bytes per stored
/// amplitude) never exists in memory, only the states themselves (8 bytes per amplitude).
public struct StoredStates: Codable, Sendable {
    public var lattice: Lattice
    public var firstLevel: Int?
    @Packed public var values: [Double]
    public var regions: [Lattice.Region]
    /// Every state's amplitudes in its region's local order, state after state.
    @Packed public var amplitudes: [Double]
    @Packed public var discarded: [Double]

    public init(_ local: LocalEigenstates) {
        lattice = local.grid
        firstLevel = local.firstLevel
        values = local.values
        regions = local.regions
        var a = [Double]()
        a.reserveCapacity(regions.reduce(0) { $0 + $1.siteCount })
        for s in 0..<local.count { local.withAmplitudes(of: s) { a.append(contentsOf: $0) } }
        amplitudes = a
        discarded = (0..<local.count).map { local.discardedWeight(of: $0) }
    }

    public var count: Int { values.count }

    /// The states as a store again.
    public var store: LocalEigenstates {
        var out = LocalEigenstates(lattice: lattice, firstLevel: firstLevel)
        var at = 0
        for s in 0..<count {
            let n = regions[s].siteCount
            out.append(value: values[s], region: regions[s], amplitudes: Array(amplitudes[at..<(at + n)]), discardedWeight: discarded[s])
            at += n
        }
        return out
    }

    /// Streams states.npz to `path` (``NPZ/writeCSC(path:rows:columns:nonzeros:zip64From:column:)``):
    /// the bytes of ``NPZ/encodeCSC(rows:columns:indptr:indices:data:)`` of
    /// ``LocalEigenstates/compressedColumns()`` below 4 GiB, ZIP64 fields beyond.
    public func writeNPZ(path: String, zip64From: UInt64 = 0xFFFF_FFFF) throws {
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        for r in regions { offsets.append(offsets.last! + r.siteCount) }
        try NPZ.writeCSC(path: path, rows: lattice.siteCount, columns: count, nonzeros: amplitudes.count, zip64From: zip64From) { c in
            let r = regions[c], base = offsets[c]
            return (0..<r.siteCount).map { (lattice.globalSite($0, in: r), amplitudes[base + $0]) }
        }
    }
}
