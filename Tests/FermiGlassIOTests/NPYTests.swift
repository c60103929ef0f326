import FermiGlassIO
import Foundation
import Testing

/// The .npy and .npz encodings against their specifications: the zip CRC-32 check value, and an
/// int32 array as NumPy (and scipy's index arrays) write it.
@Suite struct NPYTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(NPZ.crc32(Data("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func int32IndexArraysAsScipyWritesThem() throws {
        // A hand-built <i4 .npy: header padded to a multiple of 64 bytes, then 3 int32 values.
        var header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var npy = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.count), 0]) + Data(header.utf8)
        for v: Int32 in [0, -2, 70000] { withUnsafeBytes(of: v.littleEndian) { npy.append(contentsOf: $0) } }
        #expect(try NPY.decode(npy).values == [0, -2, 70000])
    }
}
