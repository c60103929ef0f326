import FermiGlassIO
import FermiGlassModel
import Foundation

/// A Hamiltonian as a SciPy-compatible `.npz` (CSR members data, indices, indptr, shape,
/// format), so that peers (scipy, numpy, Kwant, anyone's script) run on exactly our matrices:
///
///     import scipy.sparse as sp
///     H = sp.load_npz("hamiltonian.npz")        # the same CSR, entry for entry
public enum CSRExport {
    /// The archive bytes of `h`.
    public static func npz(_ h: CSRMatrix) throws -> Data {
        try NPZ.encodeCSR(rows: h.rowCount, columns: h.columnCount, indptr: h.rowPointers,
                          indices: h.columnIndices.map { Int($0) }, data: h.values)
    }

    /// The four CSR arrays as separate `.npy` files (name -> bytes): data, indices, indptr, shape.
    public static func npyFiles(_ h: CSRMatrix) -> [(name: String, npy: Data)] {
        [("data", NPY.encode(h.values, shape: [h.nonzeroCount])),
         ("indices", NPY.encode(h.columnIndices.map { Int($0) }, shape: [h.nonzeroCount])),
         ("indptr", NPY.encode(h.rowPointers, shape: [h.rowCount + 1])),
         ("shape", NPY.encode([h.rowCount, h.columnCount], shape: [2]))]
    }

    /// Reads a CSR archive written by ``npz(_:)`` or `scipy.sparse.save_npz` (uncompressed).
    /// Throws when a member is missing, the format is not CSR or the structure is invalid
    /// (unsorted rows, columns out of range, non-finite values).
    public static func csr(fromNPZ data: Data, source: String = "matrix") throws -> CSRMatrix {
        let members = Dictionary(try NPZ.decode(data, source: source).map { ($0.name, $0.npy) }, uniquingKeysWith: { a, _ in a })
        func array(_ name: String) throws -> [Double] {
            guard let bytes = members[name] else { throw IOError.invalidFile("\(source) has no '\(name)' member; is it a CSR .npz?") }
            return try NPY.decode(bytes, source: "\(source)[\(name)]").values
        }
        if let format = members["format"], let text = unicodeScalar(format), text != "csr" {
            throw IOError.invalidFile("\(source) holds a '\(text)' matrix; only CSR is supported")
        }
        let shape = try array("shape")
        guard shape.count == 2 else { throw IOError.invalidFile("\(source): shape has \(shape.count) entries, not 2") }
        let values = try array("data")
        let indices = try array("indices").map { Int32(exactly: $0) ?? -1 }
        let indptr = try array("indptr").map { Int($0) }
        let (rows, columns) = (Int(shape[0]), Int(shape[1]))
        if let problem = CSRMatrix.structuralProblem(rowCount: rows, columnCount: columns, rowPointers: indptr,
                                                     columnIndices: indices, values: values) {
            throw IOError.invalidFile("\(source): \(problem)")
        }
        return CSRMatrix(rowCount: rows, columnCount: columns, rowPointers: indptr, columnIndices: indices, values: values)
    }

    /// The text of a 0-d `<U` array, nil when the member is something else.
    static func unicodeScalar(_ npy: Data) -> String? {
        let bytes = [UInt8](npy)
        guard bytes.count > 10, let header = String(bytes: bytes[10..<min(bytes.count, 10 + Int(bytes[8]) + Int(bytes[9]) << 8)], encoding: .ascii),
              header.contains("'<U") else { return nil }
        let payload = bytes.dropFirst(10 + Int(bytes[8]) + Int(bytes[9]) << 8)
        var scalars = String.UnicodeScalarView()
        var k = payload.startIndex
        while k + 4 <= payload.endIndex {
            let v = UInt32(payload[k]) | UInt32(payload[k + 1]) << 8 | UInt32(payload[k + 2]) << 16 | UInt32(payload[k + 3]) << 24
            if v != 0, let u = Unicode.Scalar(v) { scalars.append(u) }
            k += 4
        }
        return String(scalars)
    }
}
