import Foundation

/// NumPy `.npz` archives: a ZIP file of `.npy` members, written uncompressed ("stored"), as
/// `numpy.savez` does. A CSR matrix written with ``encodeCSR(rows:columns:indptr:indices:data:)``
/// loads with `scipy.sparse.load_npz` (members data, indices, indptr, shape, format = 'csr').
///
/// The reader takes stored (uncompressed) members with or without ZIP64 size fields, which
/// covers files from this encoder and from `numpy.savez`; compressed members
/// (`numpy.savez_compressed`) are refused with a clear error.
public enum NPZ {
    /// A ZIP of the given members (name without `.npy` -> encoded `.npy` bytes), in order.
    public static func encode(_ members: [(name: String, npy: Data)]) throws -> Data {
        var out = Data()
        var central = Data()
        for (name, payload) in members {
            let fileName = Data((name.hasSuffix(".npy") ? name : name + ".npy").utf8)
            guard payload.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else {
                throw IOError.invalidFile("member \(name) is too large for a ZIP without ZIP64 (\(payload.count) bytes)")
            }
            let crc = crc32(payload)
            let offset = UInt32(out.count)
            // Local file header.
            out.appendLE(UInt32(0x0403_4b50))
            out.appendLE(UInt16(20)); out.appendLE(UInt16(0)); out.appendLE(UInt16(0))  // version, flags, stored
            out.appendLE(UInt16(0)); out.appendLE(UInt16(0x21))                        // time 00:00, date 1980-01-01
            out.appendLE(crc); out.appendLE(UInt32(payload.count)); out.appendLE(UInt32(payload.count))
            out.appendLE(UInt16(fileName.count)); out.appendLE(UInt16(0))
            out.append(fileName)
            out.append(payload)
            // Central directory entry.
            central.appendLE(UInt32(0x0201_4b50))
            central.appendLE(UInt16(20)); central.appendLE(UInt16(20)); central.appendLE(UInt16(0)); central.appendLE(UInt16(0))
            central.appendLE(UInt16(0)); central.appendLE(UInt16(0x21))
            central.appendLE(crc); central.appendLE(UInt32(payload.count)); central.appendLE(UInt32(payload.count))
            central.appendLE(UInt16(fileName.count)); central.appendLE(UInt16(0)); central.appendLE(UInt16(0))
            central.appendLE(UInt16(0)); central.appendLE(UInt16(0)); central.appendLE(UInt32(0))
            central.appendLE(offset)
            central.append(fileName)
        }
        guard out.count < 0xFFFF_FFFF else { throw IOError.invalidFile("archive is too large for a ZIP without ZIP64") }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.appendLE(UInt32(0x0605_4b50))
        out.appendLE(UInt16(0)); out.appendLE(UInt16(0))
        out.appendLE(UInt16(members.count)); out.appendLE(UInt16(members.count))
        out.appendLE(UInt32(central.count)); out.appendLE(centralOffset); out.appendLE(UInt16(0))
        return out
    }

    /// The members of an archive: name (without `.npy`) -> the member's `.npy` bytes, in
    /// central-directory order.
    public static func decode(_ data: Data, source: String = "archive") throws -> [(name: String, npy: Data)] {
        let bytes = [UInt8](data)
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw IOError.invalidFile("\(source): truncated .npz") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int { let lo = try u16(at), hi = try u16(at + 2); return lo | hi << 16 }
        func u64(_ at: Int) throws -> Int { let lo = try u32(at), hi = try u32(at + 4); return lo | hi << 32 }
        // End of central directory: the last occurrence of its signature (a comment may follow).
        var end = bytes.count - 22
        while end >= 0 && !(bytes[end] == 0x50 && bytes[end + 1] == 0x4b && bytes[end + 2] == 5 && bytes[end + 3] == 6) {
            end -= 1
        }
        guard end >= 0 else { throw IOError.invalidFile("\(source) is not a .npz (ZIP) file") }
        var count = try u16(end + 10)
        var at = try u32(end + 16)
        // ZIP64: the end-of-central-directory fields are saturated and a locator just before
        // the record points to the ZIP64 record with the 64-bit count and offset.
        if (count == 0xFFFF || at == 0xFFFF_FFFF), end >= 20, try u32(end - 20) == 0x0706_4b50 {
            let record = try u64(end - 12)
            guard try u32(record) == 0x0606_4b50 else { throw IOError.invalidFile("\(source): corrupt ZIP64 end of central directory") }
            count = try u64(record + 32)
            at = try u64(record + 48)
        }
        var members = [(name: String, npy: Data)]()
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4b50 else { throw IOError.invalidFile("\(source): corrupt ZIP central directory") }
            let method = try u16(at + 10)
            var size = try u32(at + 24)
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            var offset = try u32(at + 42)
            guard at + 46 + nameLength <= bytes.count else { throw IOError.invalidFile("\(source): truncated .npz") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field (id 1): uncompressed, compressed size, offset, each present only
            // when the 32-bit field is saturated.
            var e = at + 46 + nameLength
            while e + 4 <= at + 46 + nameLength + extraLength {
                let id = try u16(e), length = try u16(e + 2)
                if id == 1 {
                    var f = e + 4
                    if size == 0xFFFF_FFFF { size = try u64(f); f += 8 }
                    if try u32(at + 20) == 0xFFFF_FFFF { f += 8 }
                    if offset == 0xFFFF_FFFF { offset = try u64(f) }
                }
                e += 4 + length
            }
            guard method == 0 else {
                throw IOError.invalidFile("\(source): member \(name) is compressed; write it with numpy.savez, not savez_compressed")
            }
            guard try u32(offset) == 0x0403_4b50 else { throw IOError.invalidFile("\(source): corrupt ZIP member \(name)") }
            let localName = try u16(offset + 26), localExtra = try u16(offset + 28)
            let start = offset + 30 + localName + localExtra
            guard start + size <= bytes.count else { throw IOError.invalidFile("\(source): member \(name) is truncated") }
            let stem = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            members.append((stem, data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + size))))
            at += 46 + nameLength + extraLength + commentLength
        }
        return members
    }

    /// A `scipy.sparse.save_npz`-compatible CSR archive: data (float64), indices and indptr
    /// (int64), shape (int64, length 2) and format ('csr').
    public static func encodeCSR(rows: Int, columns: Int, indptr: [Int], indices: [Int], data: [Double]) throws -> Data {
        try encodeCompressed("csr", rows: rows, columns: columns, indptr: indptr, indices: indices, data: data)
    }

    /// A `scipy.sparse.save_npz`-compatible CSC archive (indptr over columns, row indices):
    /// how compressed eigenstates are written, one column per state (CONVENTIONS.md §5).
    public static func encodeCSC(rows: Int, columns: Int, indptr: [Int], indices: [Int], data: [Double]) throws -> Data {
        try encodeCompressed("csc", rows: rows, columns: columns, indptr: indptr, indices: indices, data: data)
    }

    private static func encodeCompressed(_ format: String, rows: Int, columns: Int, indptr: [Int], indices: [Int], data: [Double]) throws -> Data {
        try encode([
            ("data", NPY.encode(data, shape: [data.count])),
            ("indices", NPY.encode(indices, shape: [indices.count])),
            ("indptr", NPY.encode(indptr, shape: [indptr.count])),
            ("shape", NPY.encode([rows, columns], shape: [2])),
            ("format", NPY.encode(unicodeScalar: format)),
        ])
    }

    /// The CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) that ZIP stores per member.
    public static func crc32(_ data: Data) -> UInt32 { crc32(data, continuing: 0) }

    /// The CRC-32 of the bytes before `data` (whose CRC-32 is `previous`) followed by `data`.
    public static func crc32(_ data: Data, continuing previous: UInt32) -> UInt32 {
        var crc: UInt32 = previous ^ 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { table in
            data.withUnsafeBytes { raw in
                for byte in raw { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}

extension Data {
    /// Appends a fixed-width integer in little-endian byte order.
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
