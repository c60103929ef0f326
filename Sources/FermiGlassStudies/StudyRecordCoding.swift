import Foundation

/// How a ``Study/Record`` travels from a worker to the runner: a binary property list.
///
/// Numbers: every Int and every non-NaN Double (infinities, -0.0, subnormals included) comes
/// back bit for bit; a NaN comes back as NaN (its sign and payload are not kept, which is why
/// ``StudyRunner`` passes in-process records through the same coding: the aggregate then sees
/// the same bits whatever the worker count). Arrays of Doubles should be declared with
/// ``Packed``: stored as raw little-endian IEEE 754 bytes, bit-exact (NaN payloads too) and
/// about ten times faster to encode than an array of property-list numbers.
public enum StudyRecordCoding {
    public static func encode<R: Encodable>(_ record: R) throws -> Data {
        let e = PropertyListEncoder()
        e.outputFormat = .binary
        return try e.encode(record)
    }

    public static func decode<R: Decodable>(_ type: R.Type, from data: Data) throws -> R {
        try PropertyListDecoder().decode(type, from: data)
    }

    /// `record` after a trip through the coding: what a worker would have handed back.
    public static func roundTrip<R: Codable>(_ record: R) throws -> R {
        try decode(R.self, from: encode(record))
    }
}

/// An array of Doubles (or Ints) coded as raw little-endian bytes (``StudyRecordCoding``):
/// exact, NaN-safe and fast for the large arrays of a record (eigenvalues, IPRs, chi).
@propertyWrapper
public struct Packed<Element: PackableNumber>: Codable, Sendable, Equatable {
    public var wrappedValue: [Element]

    public init(wrappedValue: [Element]) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let data = try decoder.singleValueContainer().decode(Data.self)
        guard data.count % 8 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a packed array of \(data.count) bytes is not a whole number of 8-byte values"))
        }
        let n = data.count / 8
        wrappedValue = data.withUnsafeBytes { raw in
            [Element](unsafeUninitializedCapacity: n) { buffer, count in
                for k in 0..<n { buffer[k] = Element(bits: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))) }
                count = n
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        let data = wrappedValue.flatMapBytes()
        var c = encoder.singleValueContainer()
        try c.encode(data)
    }
}

extension Array where Element: PackableNumber {
    /// The little-endian bytes of the elements, 8 each.
    func flatMapBytes() -> Data {
        #if _endian(little)
        return withUnsafeBufferPointer { Data(buffer: $0) }
        #else
        var data = Data(capacity: 8 * count)
        for v in self { withUnsafeBytes(of: v.bits.littleEndian) { data.append(contentsOf: $0) } }
        return data
        #endif
    }
}

/// A number stored in 8 bytes by ``Packed`` (Double, Int: both 8 bytes wide).
public protocol PackableNumber: Sendable, Equatable {
    init(bits: UInt64)
    var bits: UInt64 { get }
}

extension Double: PackableNumber {
    public init(bits: UInt64) { self.init(bitPattern: bits) }
    public var bits: UInt64 { bitPattern }
}

extension Int: PackableNumber {
    public init(bits: UInt64) { self.init(Int64(bitPattern: bits)) }
    public var bits: UInt64 { UInt64(bitPattern: Int64(self)) }
}
