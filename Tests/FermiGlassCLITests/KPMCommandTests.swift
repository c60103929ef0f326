import Foundation
import Testing
import FermiGlassIO
import FermiGlassTestSupport

/// `fermiglass dos --method kpm`: bad values rejected with exact messages and no output; the
/// estimate of E_F against the exact levels of the same lattice; thread-count independence.
@Suite(.slow, .tags(.slow)) struct KPMCommandTests {
    func expectFailure(_ arguments: [String], message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = CLI.scratch("kpm-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(arguments + ["--output", dir.path])
        #expect(r.status == 64, "exit status \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(CLI.files(in: dir).isEmpty, "left behind: \(CLI.files(in: dir))", sourceLocation: sourceLocation)
    }

    @Test func badValuesExit64WithoutOutput() throws {
        let kpm = ["dos", "--size", "8", "--method", "kpm"]
        try expectFailure(kpm + ["--moments", "1"], message: "Error: --moments must be at least 2, got 1")
        try expectFailure(kpm + ["--vectors", "0"], message: "Error: --vectors must be at least 1, got 0")
        try expectFailure(kpm + ["--kernel", "gauss"], message: "Error: The value 'gauss' is invalid for '--kernel <kernel>'. Please provide one of 'jackson' and 'lorentz'.")
        try expectFailure(kpm + ["--ldos", "3,64"], message: "Error: --ldos: site 64 is out of range 0..<64 for the 8x8 lattice")
        try expectFailure(kpm + ["--ldos", "3,x"], message: "Error: --ldos: 'x' is not a site index (a non-negative integer)")
        try expectFailure(["dos", "--size", "8", "--method", "chebyshev"], message: "Error: The value 'chebyshev' is invalid for '--method <method>'. Please provide one of 'exact' and 'kpm'.")
        try expectFailure(["dos", "--size", "8", "--moments", "100"], message: "Error: --moments, --vectors, --kernel and --ldos need --method kpm")
        try expectFailure(kpm + ["--energies=-1:1"], message: "Error: --energies selects exact levels; --method kpm covers the whole band")
    }

    /// 24 x 24, W = 3, N = 576 (half the per-spin levels): the KPM E_F (before the inertia
    /// refinement) lies within 3 of its errors of the exact E_F from `dos --method exact` on the
    /// same lattice, the refined one within 0.02, the DOS integrates to 1 within 1%, and the
    /// LDOS file has one column per site. The same run on 2 threads writes an identical dos.csv.
    @Test func fermiEnergyAgainstExactLevels() throws {
        let model = ["--size", "24", "--t2", "0.6", "--W", "3", "--particles", "576", "--seed", "7"]
        let exact = CLI.scratch("kpm-exact"), one = CLI.scratch("kpm-1"), two = CLI.scratch("kpm-2")
        defer { for d in [exact, one, two] { try? FileManager.default.removeItem(at: d) } }
        #expect(try CLI.run(["dos"] + model + ["--output", exact.path]).status == 0)
        let kpm = ["dos", "--method", "kpm", "--moments", "256", "--vectors", "12", "--ldos", "0,100"] + model
        let r1 = try CLI.run(kpm + ["--output", one.path])
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try CLI.run(kpm + ["--threads", "2", "--output", two.path])
        #expect(r2.status == 0, "\(r2.stderr)")
        let exactEF = try #require(JSON.parse(String(contentsOf: exact.appendingPathComponent("summary.json"), encoding: .utf8))["fermi_energy"]?
            .arrayValue?.first?.doubleValue)
        let s = try JSON.parse(String(contentsOf: one.appendingPathComponent("summary.json"), encoding: .utf8))
        let w = try #require(s["per_W"]?.arrayValue?.first)
        let ef = try #require(w["fermi_energy_kpm"]?.arrayValue?.first?.doubleValue)
        let err = try #require(w["fermi_energy_kpm_error"]?.arrayValue?.first?.doubleValue)
        let refined = try #require(w["fermi_energy_refined"]?.arrayValue?.first?.doubleValue)
        #expect(abs(ef - exactEF) < 3 * err, "KPM E_F \(ef) +- \(err), exact \(exactEF)")
        #expect(abs(refined - exactEF) < 0.02, "refined E_F \(refined), exact \(exactEF)")
        let integral = try #require(w["dos_integral"]?.doubleValue)
        #expect(abs(integral - 1) < 0.01)
        let ldos = try String(contentsOf: one.appendingPathComponent("ldos_W3.csv"), encoding: .utf8).split(separator: "\n")
        #expect(ldos[0] == "energy,ldos_site0,ldos_site100")
        let csv1 = try String(contentsOf: one.appendingPathComponent("dos.csv"), encoding: .utf8)
        let csv2 = try String(contentsOf: two.appendingPathComponent("dos.csv"), encoding: .utf8)
        #expect(csv1 == csv2)
        #expect(csv1.hasPrefix("energy,dos_W3,dos_W3_stderr,idos_W3,idos_W3_stderr\n"))
    }
}
