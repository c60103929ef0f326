import Foundation

/// Reading and writing NumPy `.npy` files (format version 1.0/2.0), little-endian float64
/// (`<f8`) and int64 (`<i8`) only, C or Fortran order. This is the array format of every
/// FermiGlass output and of disorder files (CONVENTIONS.md §4).
public enum NPY {
    public struct Array: Equatable {
        public var shape: [Int]
        /// Values in C (row-major) order.
        public var values: [Double]
        public init(shape: [Int], values: [Double]) { self.shape = shape; self.values = values }
    }

    /// Encodes float64 values with the given shape (C order).
    public static func encode(_ values: [Double], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        return encode(descr: "<f8", shape: shape, count: values.count) { data in
            values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
    }

    /// Encodes int64 values with the given shape (C order).
    public static func encode(_ values: [Int], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count)
        let v64 = values.map { Int64($0) }
        return encode(descr: "<i8", shape: shape, count: values.count) { data in
            v64.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
    }

    /// Encodes a 0-d NumPy unicode string (dtype `<U<count>`, UTF-32LE), e.g. the `format`
    /// member of a SciPy sparse `.npz`.
    public static func encode(unicodeScalar text: String) -> Data {
        let scalars = Swift.Array(text.unicodeScalars)
        return encode(descr: "<U\(max(scalars.count, 1))", shape: [], count: 0) { data in
            for u in scalars { data.appendLE(u.value) }
            if scalars.isEmpty { data.appendLE(UInt32(0)) }
        }
    }

    private static func encode(descr: String, shape: [Int], count: Int, body: (inout Data) -> Void) -> Data {
        var data = header(descr: descr, shape: shape)
        data.reserveCapacity(data.count + 8 * count)
        body(&data)
        return data
    }

    /// The `.npy` header (magic, version 1.0, header dictionary padded to 64 bytes) of an array
    /// of `descr` ("<f8", "<i8") and `shape`, C order: the data follow it directly (a writer
    /// that streams the data writes this first).
    public static func header(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // magic (6) + version (2) + header length (2) + header + '\n' is a multiple of 64.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let len = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(header.data(using: .ascii)!)
        return data
    }

    /// Decodes a float64 (or int64 / int32, converted) array; returns values in C order.
    public static func decode(_ data: Data, source: String = "array") throws -> Array {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Swift.Array(bytes[1...5]) == Swift.Array("NUMPY".utf8) else {
            throw IOError.invalidFile("\(source) is not a .npy file (bad magic string)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw IOError.invalidFile("\(source): unsupported .npy version \(major)")
        }
        guard data.count >= headerStart + headerLength else { throw IOError.invalidFile("\(source): truncated .npy header") }
        let headerData = data.subdata(in: (data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength))
        guard let header = String(data: headerData, encoding: .ascii) else { throw IOError.invalidFile("\(source): unreadable .npy header") }
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let orderField = field("fortran_order"), let shapeField = field("shape") else {
            throw IOError.invalidFile("\(source): .npy header lacks descr, fortran_order or shape")
        }
        let descr = descrField.split(separator: "'").first.map(String.init) ?? ""
        let fortran = orderField.hasPrefix("True")
        guard let open = shapeField.firstIndex(of: "("), let close = shapeField.firstIndex(of: ")") else {
            throw IOError.invalidFile("\(source): malformed shape in .npy header")
        }
        let shape = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.compactMap { Int($0) }
        let count = shape.reduce(1, *)
        let payload = data.dropFirst(headerStart + headerLength)
        // The dtype first: a float32 file is a wrong dtype, not a short payload.
        guard ["<f8", "=f8", "f8", "<i4", "=i4", "<i8", "=i8"].contains(descr) else {
            throw IOError.invalidFile("\(source): wrong .npy dtype: expected little-endian float64 '<f8', got '\(descr)' (numpy: a.astype('<f8'))")
        }
        guard payload.count >= 8 * count || (descr.hasSuffix("i4") && payload.count >= 4 * count) else {
            throw IOError.invalidFile("\(source): .npy payload holds \(payload.count / 8) values, header promises \(count)")
        }
        var values = [Double](repeating: 0, count: count)
        switch descr {
        case "<f8", "=f8", "f8":
            _ = values.withUnsafeMutableBytes { payload.prefix(8 * count).copyBytes(to: $0) }
        case "<i4", "=i4":
            // int32 (SciPy's CSR index arrays): 4 bytes per value.
            guard payload.count >= 4 * count else {
                throw IOError.invalidFile("\(source): .npy payload holds \(payload.count / 4) int32 values, header promises \(count)")
            }
            var ints = [Int32](repeating: 0, count: count)
            _ = ints.withUnsafeMutableBytes { payload.prefix(4 * count).copyBytes(to: $0) }
            values = ints.map(Double.init)
        case "<i8", "=i8":
            var ints = [Int64](repeating: 0, count: count)
            _ = ints.withUnsafeMutableBytes { payload.prefix(8 * count).copyBytes(to: $0) }
            values = ints.map(Double.init)
        default:
            throw IOError.invalidFile("\(source): .npy dtype \(descr) is not supported (use little-endian float64)")
        }
        if fortran && shape.count == 2 {
            let (r, c) = (shape[0], shape[1])
            var cOrder = [Double](repeating: 0, count: count)
            for i in 0..<r { for j in 0..<c { cOrder[i * c + j] = values[i + j * r] } }
            values = cOrder
        }
        return Array(shape: shape, values: values)
    }

    /// Reads a `.npy` file.
    public static func read(_ url: URL) throws -> Array {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw IOError.unreadable("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }
}
