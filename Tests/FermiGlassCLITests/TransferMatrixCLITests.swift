import Foundation
import Testing
import FermiGlassIO
import FermiGlassTestSupport

/// `localization --method transfer-matrix`: bad input refused, the CSV written per width.
@Suite(.slow, .tags(.slow)) struct TransferMatrixCLITests {
    @Test func badInputIsRefused() throws {
        let bad = BadInputTests()
        try bad.expectFailure(["localization", "--method", "transfer-matrix", "--energy", "0"],
                              message: "Error: --method transfer-matrix needs --widths M1,M2,...")
        try bad.expectFailure(["localization", "--method", "transfer-matrix", "--widths", "4,2", "--energy", "0"],
                              message: "Error: --widths: M = 2 is not allowed")
        try bad.expectFailure(["localization", "--method", "transfer-matrix", "--widths", "4"],
                              message: "Error: --method transfer-matrix needs --energy E or --fermi")
        try bad.expectFailure(["localization", "--widths", "4", "--energy", "0"],
                              message: "Error: --widths, --energy and --fermi need --method transfer-matrix")
        try bad.expectFailure(["localization", "--method", "transfer-matrix", "--widths", "4", "--t2", "0.5", "--energy", "0"],
                              message: "singular")
    }

    /// The clean chain outside the band: gamma_min = arccosh(E / 2) in the CSV.
    @Test func cleanChainWritesTheEvanescentRate() throws {
        let dir = CLI.scratch("tm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["localization", "--method", "transfer-matrix", "--widths", "1,3", "--energy", "5", "--length", "200",
                             "--output", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("transfer_matrix.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.map { $0[0] } == ["1", "3"])
        let gamma = try #require(Double(String(rows[0][3])))
        #expect(abs(gamma - acosh(2.5)) < 1e-12)
    }
}
