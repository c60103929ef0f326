import Foundation
import FermiGlassModel

/// Finished patches on disk, so that a killed patch run resumes with nothing lost
/// (`PatchOptions.checkpoint`). One append-only file, `patches.bin`, in the checkpoint
/// directory: every record is written whole and fsync'd before the next patch starts, so a
/// kill loses at most the patch being solved; a torn last record (killed mid-write) fails its
/// checksum and is cut off on the next open. Records carry the digest of their pass's
/// ``PatchPlan``: a resumed run takes a record only for the same model, window, layout and
/// pass, and recomputes everything else. Doubles are stored as their bit patterns, so a
/// resumed run gives the same bits as an uninterrupted one. `layout.json` keeps the pilot's
/// choice (its halo ladder is not repeated on resume).
///
/// Record layout (little-endian 64-bit words): magic, plan digest, patch, pass, dense, seconds,
/// state count; per state value, discarded, residual, maxSite, owned, patch, pass, x0, y0,
/// width, height, periodicX, periodicY, amplitude count, the amplitudes; then the FNV-1a
/// digest of all the record's words.
public final class PatchCheckpoint {
    public let directory: String
    private let path: String
    private var handle: FileHandle
    /// Records found on open, by (plan digest, patch).
    private(set) var found: [Key: PatchRecord] = [:]
    /// Records read back from a previous run (counted for the report).
    public private(set) var resumed = 0
    struct Key: Hashable { let plan: UInt64; let patch: Int }
    static let magic: UInt64 = 0x3152_5050_4746_4746  // "FGFGPPR1"

    /// Opens (creating) the checkpoint in `directory`, reading every complete record of states
    /// on `lattice`.
    public init(directory: String, lattice: Lattice) throws {
        self.directory = directory
        path = (directory as NSString).appendingPathComponent("patches.bin")
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SolverError.invalidArgument("cannot create the patch checkpoint directory \(directory): \(error.localizedDescription)")
        }
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forUpdatingAtPath: path) else {
            throw SolverError.invalidArgument("cannot open the patch checkpoint \(path) for writing")
        }
        handle = h
        let data = try h.readToEnd() ?? Data()
        var valid = 0
        data.withUnsafeBytes { raw in
            let words = raw.count / 8
            var at = 0
            while let (record, next) = Self.decode(raw, from: at, words: words, lattice: lattice) {
                found[Key(plan: record.plan, patch: record.patch)] = record
                at = next
                valid = next * 8
            }
        }
        if valid < data.count { try h.truncate(atOffset: UInt64(valid)) }
        try h.seekToEnd()
    }

    deinit { try? handle.close() }

    /// The record of patch `p` of `plan` from an earlier run, if one was finished.
    public func record(plan: PatchPlan, patch p: Int) -> PatchRecord? {
        guard let r = found[Key(plan: plan.digest, patch: p)] else { return nil }
        resumed += 1
        return r
    }

    /// Appends `record` and fsyncs the file.
    public func append(_ record: PatchRecord) throws {
        let data = Self.words(of: record).withUnsafeBytes { Data($0) }
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw SolverError.invalidArgument("cannot write the patch checkpoint \(path): \(error.localizedDescription)")
        }
        found[Key(plan: record.plan, patch: record.patch)] = record
    }

    /// The words of `record` in the layout above, its checksum last.
    static func words(of record: PatchRecord) -> [UInt64] {
        var words = [UInt64]()
        words.reserveCapacity(8 + record.states.reduce(0) { $0 + 15 + $1.amplitudes.count })
        words += [magic, record.plan, UInt64(bitPattern: Int64(record.patch)), UInt64(bitPattern: Int64(record.pass)),
                  record.dense ? 1 : 0, record.seconds.bitPattern, UInt64(record.states.count)]
        for s in record.states {
            let r = s.region
            words += [s.value.bitPattern, s.discarded.bitPattern, s.residual.bitPattern, UInt64(s.maxSite), s.owned ? 1 : 0,
                      UInt64(bitPattern: Int64(s.patch)), UInt64(bitPattern: Int64(s.pass)), UInt64(r.x0), UInt64(r.y0),
                      UInt64(r.width), UInt64(r.height), r.periodicX ? 1 : 0, r.periodicY ? 1 : 0, UInt64(s.amplitudes.count)]
            for a in s.amplitudes { words.append(a.bitPattern) }
        }
        var d = FNV64()
        for w in words { d.add(w) }
        words.append(d.value)
        return words
    }

    /// The record starting at word `at`, and the word after it; nil at the end or at a torn or
    /// corrupt record.
    static func decode(_ raw: UnsafeRawBufferPointer, from at: Int, words: Int, lattice: Lattice) -> (PatchRecord, Int)? {
        var k = at
        var d = FNV64()
        func next() -> UInt64? {
            guard k < words else { return nil }
            let w = raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)
            k += 1
            d.add(w)
            return w
        }
        guard next() == magic, let plan = next(), let patch = next(), let pass = next(), let dense = next(),
              let seconds = next(), let count = next(), count < UInt64(Int32.max) else { return nil }
        var states = [PatchState]()
        for _ in 0..<Int(count) {
            var f = [UInt64]()
            for _ in 0..<14 { guard let w = next() else { return nil }; f.append(w) }
            let m = Int(truncatingIfNeeded: f[13])
            guard m >= 0, m <= words - k else { return nil }
            var amplitudes = [Double](repeating: 0, count: m)
            for i in 0..<m { amplitudes[i] = Double(bitPattern: next()!) }
            guard let region = try? lattice.region(x0: Int(truncatingIfNeeded: f[7]), y0: Int(truncatingIfNeeded: f[8]), width: Int(truncatingIfNeeded: f[9]), height: Int(truncatingIfNeeded: f[10])),
                  region.periodicX == (f[11] == 1), region.periodicY == (f[12] == 1) else { return nil }
            states.append(PatchState(value: Double(bitPattern: f[0]), region: region, amplitudes: amplitudes,
                                     discarded: Double(bitPattern: f[1]), residual: Double(bitPattern: f[2]), patch: Int(Int64(bitPattern: f[5])),
                                     pass: Int(Int64(bitPattern: f[6])), maxSite: Int(truncatingIfNeeded: f[3]), owned: f[4] == 1))
        }
        let sum = d.value
        guard k < words, raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self) == sum else { return nil }
        let record = PatchRecord(plan: plan, patch: Int(Int64(bitPattern: patch)), pass: Int(Int64(bitPattern: pass)), dense: dense == 1,
                                 seconds: Double(bitPattern: seconds), states: states)
        return (record, k + 1)
    }

    /// The pilot's layout saved by an earlier run for the same plan key, if any.
    public func savedLayout(key: UInt64) -> (interior: Int, halo: Int)? {
        let file = (directory as NSString).appendingPathComponent("layout-\(String(key, radix: 16)).txt")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// Saves the pilot's layout for `key` (written to a temporary file, fsync'd, renamed).
    public func saveLayout(key: UInt64, interior: Int, halo: Int) throws {
        let file = (directory as NSString).appendingPathComponent("layout-\(String(key, radix: 16)).txt")
        let data = Data("\(interior) \(halo)\n".utf8)
        let tmp = file + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data), let h = FileHandle(forUpdatingAtPath: tmp) else {
            throw SolverError.invalidArgument("cannot write the patch checkpoint's layout \(tmp)")
        }
        try? h.synchronize()
        try? h.close()
        guard rename(tmp, file) == 0 else { throw SolverError.invalidArgument("cannot write the patch checkpoint's layout \(file)") }
    }
}
