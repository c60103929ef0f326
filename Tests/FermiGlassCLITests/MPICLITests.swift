import FermiGlass
import FermiGlassTestSupport
import Foundation
import Testing

/// Open MPI's launcher, if installed.
let mpirunExecutable: URL? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].map(URL.init(fileURLWithPath:))
    .first { FileManager.default.isExecutableFile(atPath: $0.path) }

/// `mpirun -np P fermiglass ...`: rank 0 hands out realizations, the other ranks compute them;
/// the output is byte-identical to a serial run, bad input is reported once, by rank 0.
/// Needs Open MPI's mpirun (scripts/setup.sh installs openmpi-bin).

@Suite(.slow, .tags(.slow), .enabled(if: mpirunExecutable != nil, "needs mpirun (openmpi-bin)"))
struct MPICLITests {
    /// Runs `fermiglass args` on `ranks` ranks. The environment is scrubbed of Open MPI's and
    /// PMIx's variables: this test process may itself be an MPI singleton (MUMPS in process),
    /// whose settings (ess=singleton) would make every rank a singleton.
    func run(ranks: Int, _ args: [String]) throws -> CLI.Result {
        let exe = try #require(CLI.binary)
        let env = ProcessInfo.processInfo.environment.filter { k, _ in
            !(k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") || k.hasPrefix("ORTE_") || k.hasPrefix("OPAL_"))
        }
        return try CLI.capture(try #require(mpirunExecutable),
                               ["--oversubscribe", "--allow-run-as-root", "-np", String(ranks), exe.path] + args, environment: env)
    }

    /// Four realizations on three ranks (two compute): the same files, byte for byte, and the
    /// same summary (provenance and timings aside) as the serial run.
    @Test func localizationOnThreeRanksEqualsSerial() throws {
        let args = ["localization", "--preset", "paper", "--size", "14", "--realizations", "4", "--quiet"]
        let serial = CLI.scratch("mpi-serial"), ranked = CLI.scratch("mpi-np3")
        defer { for d in [serial, ranked] { try? FileManager.default.removeItem(at: d) } }
        let s = try CLI.run(args + ["--output", serial.path])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let m = try run(ranks: 3, args + ["--output", ranked.path])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        #expect(try comparableSummary(serial) == comparableSummary(ranked))
        let provenance = try String(contentsOf: ranked.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(provenance.contains("\"mpi_ranks\": 3"), "the run did not go through the MPI executor")
        let files = CLI.files(in: serial)
        #expect(files.count > 4 && files == CLI.files(in: ranked))
        for f in files where f != "summary.json" {
            #expect(try Data(contentsOf: serial.appendingPathComponent(f)) == Data(contentsOf: ranked.appendingPathComponent(f)), "\(f) differs")
        }
    }

    /// Strips of uneven cost (widths 1..8, the widest handed out first): the CSV and summary
    /// in width order, as in the serial run.
    @Test func transferMatrixOnThreeRanksEqualsSerial() throws {
        let args = ["localization", "--method", "transfer-matrix", "--widths", "1,3,5,8", "--W", "6", "--energy", "0.5",
                    "--length", "3000", "--quiet"]
        let serial = CLI.scratch("mpi-tm-serial"), ranked = CLI.scratch("mpi-tm-np3")
        defer { for d in [serial, ranked] { try? FileManager.default.removeItem(at: d) } }
        let s = try CLI.run(args + ["--output", serial.path])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let m = try run(ranks: 3, args + ["--output", ranked.path])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        #expect(try comparableSummary(serial) == comparableSummary(ranked))
        let csv = "transfer_matrix.csv"
        #expect(try Data(contentsOf: serial.appendingPathComponent(csv)) == Data(contentsOf: ranked.appendingPathComponent(csv)))
    }

    /// An invalid option: every rank refuses it, rank 0 alone says so, exit 64, nothing written.
    @Test func badOptionIsReportedOnce() throws {
        let dir = CLI.scratch("mpi-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(ranks: 3, ["localization", "--size", "14", "--realizations", "0", "--output", dir.path])
        #expect(r.status != 0)
        let lines = r.stderr.split(separator: "\n").filter { $0.contains("--realizations") }
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(CLI.files(in: dir).isEmpty)
    }

    /// Bad input only rank 0 can see (an output directory in use without --force): rank 0
    /// reports it once and releases the other ranks with the same code (64), nothing written.
    @Test func refusedOutputEndsEveryRank() throws {
        let dir = CLI.scratch("mpi-used")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: dir.appendingPathComponent("keep.txt"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(ranks: 3, ["localization", "--size", "14", "--realizations", "4", "--quiet", "--output", dir.path])
        #expect(r.status == 64, "stderr: \(r.stderr)")
        #expect(r.stderr.components(separatedBy: "--force").count - 1 == 1, "stderr: \(r.stderr)")
        #expect(CLI.files(in: dir) == ["keep.txt"])
    }

    /// A unit that fails on a worker rank is reported by rank 0 as in a serial run: the first
    /// failing realization, its message and exit code (64), nothing written.
    @Test func failingUnitIsReportedByRankZero() throws {
        let dir = CLI.scratch("mpi-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try run(ranks: 3, ["spectrum", "--preset", "paper", "--size", "20", "--realizations", "2", "--solver", "shift-invert",
                                   "--window", "energy:1e-5", "--quiet", "--output", dir.path])
        #expect(r.status == 64, "stderr: \(r.stderr)")
        let message = "error: realization 0: the selection --window energy:1e-5 holds no state"
        #expect(r.stderr.components(separatedBy: message).count - 1 == 1, "stderr: \(r.stderr)")
        #expect(CLI.files(in: dir).isEmpty)
    }
}

/// The order rank 0 hands out units in: the costliest first, ties and cost-less studies in
/// unit order (checked without MPI).
@Suite struct MPIHandOutOrderTests {
    private struct Costly: Study, UnitCostEstimating {
        var costs: [Double]
        var units: [Int] { Array(costs.indices) }
        func estimatedCost(of unit: Int) -> Double { costs[unit] }
        func record(for unit: Int) throws -> Int { unit }
        func aggregate(_ records: [Int]) throws -> [Int] { records }
    }
    private struct Plain: Study {
        var units: [Int]
        func record(for unit: Int) throws -> Int { unit }
        func aggregate(_ records: [Int]) throws -> [Int] { records }
    }

    @Test func costliestFirst() {
        #expect(MPIStudyExecutor.handOutOrder(Costly(costs: [1, 8, 3, 8, 0.5])) == [1, 3, 2, 0, 4])
        #expect(MPIStudyExecutor.handOutOrder(Plain(units: [7, 2, 9])) == [0, 1, 2])
        let strips = TransferMatrixStudy(parameters: ModelParameters(t1: 1, t2: 0, disorderStrength: 6, mu: 0), widths: [1, 4, 8, 6],
                                         energy: 0.5, energySource: "test", options: TransferMatrix.Options())
        #expect(MPIStudyExecutor.handOutOrder(strips) == [2, 3, 1, 0])
    }
}
