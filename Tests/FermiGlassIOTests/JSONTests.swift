import FermiGlassIO
import Foundation
import Testing

/// JSON: every double reads back bit for bit, strings with control characters survive, key
/// order is kept.
@Suite struct JSONTests {
    @Test func doublesAndStringsRoundTripExactly() throws {
        let xs: [Double] = [0.1, 1.0 / 3.0, -2.5e-300, 6.02214076e23, 1e15, 123456789.0, -0.0, 5e-324]
        let value = JSON.object([("numbers", .numbers(xs)), ("text", .string("a \"quote\"\n\ttab \\ \u{1}")), ("n", .int(-7))])
        let back = try JSON.parse(value.serialized())
        let read = try #require(back["numbers"]?.arrayValue).map { try #require($0.doubleValue) }
        #expect(read.map(\.bitPattern) == xs.map(\.bitPattern))
        #expect(back["text"]?.stringValue == "a \"quote\"\n\ttab \\ \u{1}")
        #expect(back["n"]?.intValue == -7)
        #expect(back == value)
    }

    @Test func trailingCharactersAreAnError() {
        #expect(throws: IOError.self) { try JSON.parse("{\"a\": 1} x") }
    }
}
