import Foundation
import Testing
@testable import FermiGlassIO

/// The streamed `.npz` writer against the in-memory encoder (the same bytes for a small
/// matrix) and, with ZIP64 forced at a small size, read back by the decoder with the 64-bit
/// size, offset and end-of-directory fields.
@Suite struct NPZStreamTests {
    static let columns: [[(Int, Double)]] = [[(7, 0.5), (2, -1.25), (3, 2.0)], [], [(0, 1e-300), (9, -0.0)], [(4, 3.0)]]

    static func reference() -> (indptr: [Int], indices: [Int], data: [Double]) {
        var indptr = [0], indices = [Int](), data = [Double]()
        for c in columns {
            for (i, x) in c.sorted(by: { $0.0 < $1.0 }) { indices.append(i); data.append(x) }
            indptr.append(indices.count)
        }
        return (indptr, indices, data)
    }

    @Test(arguments: [UInt64(0xFFFF_FFFF), 1])
    func streamedCSCMatchesTheEncoder(zip64From: UInt64) throws {
        let path = NSTemporaryDirectory() + "npz-stream-\(UUID().uuidString).npz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (indptr, indices, data) = Self.reference()
        try NPZ.writeCSC(path: path, rows: 10, columns: Self.columns.count, nonzeros: data.count, zip64From: zip64From) { Self.columns[$0] }
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let encoded = try NPZ.encodeCSC(rows: 10, columns: Self.columns.count, indptr: indptr, indices: indices, data: data)
        if zip64From == 0xFFFF_FFFF {
            #expect(written == encoded)
        } else {
            #expect(written != encoded)
            // The ZIP64 end-of-central-directory locator sits 20 bytes before the classic record.
            #expect(written.count > encoded.count)
        }
        let members = try NPZ.decode(written)
        let expected = try NPZ.decode(encoded)
        #expect(members.map(\.name) == ["data", "indices", "indptr", "shape", "format"])
        #expect(members.map(\.npy) == expected.map(\.npy))
        #expect(try NPY.decode(members[0].npy).values.map(\.bitPattern) == data.map(\.bitPattern))
    }

    /// A member whose announced size is not what was written is an error, not a corrupt file.
    @Test func wrongSizeIsRefused() throws {
        let path = NSTemporaryDirectory() + "npz-stream-\(UUID().uuidString).npz"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: IOError.self) {
            try NPZ.writeCSC(path: path, rows: 10, columns: Self.columns.count, nonzeros: 5) { Self.columns[$0] }
        }
    }
}
