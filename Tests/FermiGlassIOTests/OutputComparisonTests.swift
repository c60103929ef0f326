import FermiGlassIO
import FermiGlassTestSupport
import Foundation
import Testing

/// The comparer of the --jobs and MPI tests drops only what its command's list says: a changed
/// result is a difference, a changed timing is one for a simple command and not for an
/// interacting one, and a file that differs by a byte is named.
@Suite struct OutputComparisonTests {
    func directory(_ name: String, summary: JSON, table: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fg-compare-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("r000"), withIntermediateDirectories: true)
        try summary.serialized().write(to: dir.appendingPathComponent("summary.json"), atomically: true, encoding: .utf8)
        try table.write(to: dir.appendingPathComponent("r000/table.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    func summary(value: Double, seconds: Double, host: String) -> JSON {
        .object([("value", .number(value)), ("solve_seconds", .number(seconds)),
                 ("provenance", .object([("host", .string(host))])), ("timings_seconds", .number(seconds))])
    }

    @Test func dropsOnlyTheListedFields() throws {
        let a = try directory("a", summary: summary(value: 1, seconds: 2, host: "x"), table: "1,2\n")
        let sameButTimed = try directory("b", summary: summary(value: 1, seconds: 5, host: "y"), table: "1,2\n")
        let otherValue = try directory("c", summary: summary(value: 1.5, seconds: 2, host: "x"), table: "1,2\n")
        let otherFile = try directory("d", summary: summary(value: 1, seconds: 2, host: "x"), table: "1,3\n")
        defer { for d in [a, sameButTimed, otherValue, otherFile] { try? FileManager.default.removeItem(at: d) } }
        // A simple command keeps *_seconds fields other than timings_seconds in the comparison.
        #expect(try OutputComparison.forCommand("localization").differences(a, sameButTimed) == ["summary.json differs"])
        #expect(try OutputComparison.forCommand("hartree-fock").differences(a, sameButTimed) == [])
        #expect(try OutputComparison.forCommand("hartree-fock").differences(a, otherValue) == ["summary.json differs"])
        #expect(try OutputComparison.forCommand("localization").differences(a, otherFile) == ["r000/table.csv differs"])
    }
}
