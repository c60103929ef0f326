import Foundation

/// A `.npz` written to a file member by member, the payload streamed in pieces, so that an
/// archive of many GB is never held in memory. Members are stored uncompressed, as
/// `numpy.savez` does; sizes and offsets that do not fit 32 bits get ZIP64 fields (a ZIP64
/// end-of-central-directory record when the directory starts beyond 4 GiB), which numpy,
/// scipy and ``NPZ/decode(_:source:)`` read. Every member's size must be known when it
/// begins (the CRC-32 is patched into its local header when it ends).
public final class NPZStreamWriter {
    private let handle: FileHandle
    private let path: String
    private var offset: UInt64 = 0
    private var central = Data()
    private var members = 0
    private var current: (name: Data, header: UInt64, size: UInt64, written: UInt64, crc: UInt32)?
    private var buffer = Data()
    static let saturated32: UInt64 = 0xFFFF_FFFF
    /// Sizes and offsets from this value on get ZIP64 fields (below 2^32 - 1 only in tests).
    private let zip64From: UInt64

    /// Creates (truncating) the archive at `path`.
    public init(path: String, zip64From: UInt64 = 0xFFFF_FFFF) throws {
        self.zip64From = min(zip64From, Self.saturated32)
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw IOError.fileSystem(errno == 0 ? EIO : errno, path: path, action: "write")
        }
        handle = h
        self.path = path
    }

    deinit { try? handle.close() }

    /// Starts member `name` (".npy" appended) holding `payloadBytes` bytes after `npyHeader`.
    public func beginMember(_ name: String, npyHeader: Data, payloadBytes: Int) throws {
        precondition(current == nil, "member \(name) begun inside another")
        let fileName = Data((name.hasSuffix(".npy") ? name : name + ".npy").utf8)
        let size = UInt64(npyHeader.count + payloadBytes)
        let big = size >= zip64From
        var h = Data()
        h.appendLE(UInt32(0x0403_4b50))
        h.appendLE(UInt16(big ? 45 : 20)); h.appendLE(UInt16(0)); h.appendLE(UInt16(0))  // version, flags, stored
        h.appendLE(UInt16(0)); h.appendLE(UInt16(0x21))                                 // time 00:00, date 1980-01-01
        h.appendLE(UInt32(0))                                                           // CRC-32, patched at the end
        let field = big ? UInt32(Self.saturated32) : UInt32(size)
        h.appendLE(field); h.appendLE(field)
        h.appendLE(UInt16(fileName.count)); h.appendLE(UInt16(big ? 20 : 0))
        h.append(fileName)
        if big { h.appendLE(UInt16(1)); h.appendLE(UInt16(16)); h.appendLE(size); h.appendLE(size) }
        try flush()
        current = (fileName, offset, size, 0, 0)
        try raw(h)
        try append(npyHeader)
    }

    /// Appends payload bytes to the current member.
    public func append(_ data: Data) throws {
        guard current != nil else { preconditionFailure("payload outside a member") }
        current!.crc = NPZ.crc32(data, continuing: current!.crc)
        current!.written += UInt64(data.count)
        buffer.append(data)
        if buffer.count >= 1 << 22 { try flush() }
    }

    /// Appends float64 or int64 values (little-endian) to the current member.
    public func append(doubles values: [Double]) throws { try values.withUnsafeBytes { try append(Data($0)) } }
    public func append(int64 values: [Int]) throws { try values.map { Int64($0).littleEndian }.withUnsafeBytes { try append(Data($0)) } }

    /// Ends the current member: checks its size, patches its CRC-32, adds its directory entry.
    public func endMember() throws {
        guard let m = current else { preconditionFailure("no member to end") }
        guard m.written == m.size else {
            throw IOError.invalidFile("npz member \(String(decoding: m.name, as: UTF8.self)) announced \(m.size) bytes but \(m.written) were written")
        }
        try flush()
        let end = try handle.offset()
        try handle.seek(toOffset: m.header + 14)
        var crc = Data()
        crc.appendLE(m.crc)
        try handle.write(contentsOf: crc)
        try handle.seek(toOffset: end)
        let bigSize = m.size >= zip64From, bigOffset = m.header >= zip64From
        var extra = Data()
        if bigSize { extra.appendLE(m.size); extra.appendLE(m.size) }
        if bigOffset { extra.appendLE(m.header) }
        var c = Data()
        c.appendLE(UInt32(0x0201_4b50))
        c.appendLE(UInt16(extra.isEmpty ? 20 : 45)); c.appendLE(UInt16(extra.isEmpty ? 20 : 45)); c.appendLE(UInt16(0)); c.appendLE(UInt16(0))
        c.appendLE(UInt16(0)); c.appendLE(UInt16(0x21))
        c.appendLE(m.crc)
        let sizeField = bigSize ? UInt32(Self.saturated32) : UInt32(m.size)
        c.appendLE(sizeField); c.appendLE(sizeField)
        c.appendLE(UInt16(m.name.count)); c.appendLE(UInt16(extra.isEmpty ? 0 : 4 + extra.count)); c.appendLE(UInt16(0))
        c.appendLE(UInt16(0)); c.appendLE(UInt16(0)); c.appendLE(UInt32(0))
        c.appendLE(bigOffset ? UInt32(Self.saturated32) : UInt32(m.header))
        c.append(m.name)
        if !extra.isEmpty { c.appendLE(UInt16(1)); c.appendLE(UInt16(extra.count)); c.append(extra) }
        central.append(c)
        members += 1
        current = nil
    }

    /// Writes the central directory (ZIP64 records when needed), flushes and closes the file.
    public func finish() throws {
        precondition(current == nil, "finish inside a member")
        try flush()
        let start = offset
        try raw(central)
        let big = start >= zip64From || UInt64(central.count) >= zip64From || members >= 0xFFFF
        var e = Data()
        if big {
            let record = offset
            e.appendLE(UInt32(0x0606_4b50)); e.appendLE(UInt64(44))
            e.appendLE(UInt16(45)); e.appendLE(UInt16(45)); e.appendLE(UInt32(0)); e.appendLE(UInt32(0))
            e.appendLE(UInt64(members)); e.appendLE(UInt64(members)); e.appendLE(UInt64(central.count)); e.appendLE(start)
            e.appendLE(UInt32(0x0706_4b50)); e.appendLE(UInt32(0)); e.appendLE(record); e.appendLE(UInt32(1))
        }
        e.appendLE(UInt32(0x0605_4b50))
        e.appendLE(UInt16(0)); e.appendLE(UInt16(0))
        let count = big ? UInt16(0xFFFF) : UInt16(members)
        e.appendLE(count); e.appendLE(count)
        e.appendLE(big ? UInt32(Self.saturated32) : UInt32(central.count)); e.appendLE(big ? UInt32(Self.saturated32) : UInt32(start))
        e.appendLE(UInt16(0))
        try raw(e)
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw IOError.fileSystem(IOError.errnoCode(of: error) ?? EIO, path: path, action: "write")
        }
    }

    private func raw(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw IOError.fileSystem(IOError.errnoCode(of: error) ?? EIO, path: path, action: "write")
        }
        offset += UInt64(data.count)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let b = buffer
        buffer = Data()
        try raw(b)
    }
}

extension NPZ {
    /// Streams a `scipy.sparse.save_npz`-compatible CSC matrix of `rows` x `columns` to `path`:
    /// column c holds the `(row, value)` pairs `column(c)` returns, sorted by row here, with
    /// `nonzeros` entries in all (int64 indices and indptr, so more than 2^31 entries load).
    /// The bytes equal ``encodeCSC(rows:columns:indptr:indices:data:)`` of the same matrix up
    /// to the ZIP64 fields a large archive needs. Each column is built twice (data, then
    /// indices); only one column is held at a time.
    public static func writeCSC(path: String, rows: Int, columns: Int, nonzeros: Int, zip64From: UInt64 = 0xFFFF_FFFF,
                                column: (Int) -> [(Int, Double)]) throws {
        let w = try NPZStreamWriter(path: path, zip64From: zip64From)
        func sorted(_ c: Int) -> [(Int, Double)] { column(c).sorted { $0.0 < $1.0 } }
        try w.beginMember("data", npyHeader: NPY.header(descr: "<f8", shape: [nonzeros]), payloadBytes: 8 * nonzeros)
        var counts = [Int]()
        counts.reserveCapacity(columns)
        for c in 0..<columns {
            let col = sorted(c)
            counts.append(col.count)
            try w.append(doubles: col.map(\.1))
        }
        try w.endMember()
        try w.beginMember("indices", npyHeader: NPY.header(descr: "<i8", shape: [nonzeros]), payloadBytes: 8 * nonzeros)
        for c in 0..<columns { try w.append(int64: sorted(c).map(\.0)) }
        try w.endMember()
        var indptr = [0]
        for k in counts { indptr.append(indptr.last! + k) }
        try w.beginMember("indptr", npyHeader: NPY.header(descr: "<i8", shape: [columns + 1]), payloadBytes: 8 * (columns + 1))
        try w.append(int64: indptr)
        try w.endMember()
        for (name, npy) in [("shape", NPY.encode([rows, columns], shape: [2])), ("format", NPY.encode(unicodeScalar: "csc"))] {
            try w.beginMember(name, npyHeader: npy, payloadBytes: 0)
            try w.endMember()
        }
        try w.finish()
    }
}
