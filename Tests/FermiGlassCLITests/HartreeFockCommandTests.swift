import FermiGlassIO
import Foundation
import Testing

/// Runs the built `fermiglass` binary (next to the test bundle) with `arguments`.
private func runFermiGlass(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let here = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    let candidates = [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent("fermiglass") }
    guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw IOError.unreadable("fermiglass binary not found near \(here.path)")
    }
    let p = Process()
    p.executableURL = exe
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

private func scratch(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("fg-hf-\(name)-\(UUID().uuidString)").path
}

@Suite("fermiglass hartree-fock and linear-stability")
struct HartreeFockCommandTests {
    static let model = ["--size", "8", "--t2", "0.6", "--W", "9", "--particles", "54"]

    @Test func hartreeFockWritesMomentsAndAgreesWithItsEnergyCheck() throws {
        let dir = scratch("hf")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "0.5,3", "--starts", "2", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let results = try #require(summary["results"]?.arrayValue)
        #expect(results.count == 2)
        for entry in results {
            #expect(entry["converged"]?.boolValue == true)
            let d = try #require(entry["energy_check_difference"]?.doubleValue)
            #expect(abs(d) < 1e-6)
        }
        let moments = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: dir + "/r000/U3.0/moments.npy")))
        #expect(moments.values.count == 64)
        let count = moments.values.filter { abs($0) > 0.1 }.count
        #expect(results[1]["moment_count"]?.intValue == count)
        #expect(FileManager.default.fileExists(atPath: dir + "/r000/U0.5/near_fermi.csv"))
        #expect(FileManager.default.fileExists(atPath: dir + "/hartree_fock.csv"))
    }

    @Test func linearStabilityReportsPiCensusAndOccupation() throws {
        let dir = scratch("ls")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["linear-stability"] + Self.model + ["--U", "0.5", "--window", "10", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let entry = try #require(summary["results"]?.arrayValue?.first)
        let lambda = try #require(entry["pi_eigenvalues"]?.arrayValue?.first?.doubleValue)
        #expect(lambda > 0)
        #expect(abs((entry["U_lambda_max"]?.doubleValue ?? 0) - 0.5 * lambda) < 1e-12)
        #expect(entry["census"]?["two_sided"]?.intValue != nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/pi_eigenvalues.npy") || FileManager.default.fileExists(atPath: dir + "/r000/pi_eigenvalues.npy"))
    }

    @Test func badInputIsRefusedBeforeAnyOutput() throws {
        let dir = scratch("bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runFermiGlass(["hartree-fock"] + Self.model + ["--U", "1", "--mode", "antiferro", "--output", dir])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--mode must be paramagnetic or free"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/summary.json"))
        let r2 = try runFermiGlass(["linear-stability"] + Self.model + ["--U", "x", "--output", dir])
        #expect(r2.status == 64)
        #expect(r2.stderr.contains("--U: 'x' is not a finite number"))
    }
}
