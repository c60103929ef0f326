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

    /// Starts `fermiglass args` on `ranks` ranks without waiting: (mpirun, stdout file, stderr file).
    func start(ranks: Int, _ args: [String], io: URL) throws -> Process {
        let p = Process()
        p.executableURL = try #require(mpirunExecutable)
        p.arguments = ["--oversubscribe", "--allow-run-as-root", "-np", String(ranks), try #require(CLI.binary).path] + args
        p.environment = ProcessInfo.processInfo.environment.filter { k, _ in
            !(k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") || k.hasPrefix("ORTE_") || k.hasPrefix("OPAL_"))
        }
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        for f in ["stdout", "stderr"] { _ = FileManager.default.createFile(atPath: io.appendingPathComponent(f).path, contents: nil) }
        p.standardOutput = try FileHandle(forWritingTo: io.appendingPathComponent("stdout"))
        p.standardError = try FileHandle(forWritingTo: io.appendingPathComponent("stderr"))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The pid of MPI rank `rank` among the children of `mpirun` (its OMPI_COMM_WORLD_RANK).
    func pid(ofRank rank: Int, launchedBy mpirun: Int32) -> Int32? {
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in procs {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == mpirun,
                  let env = FileManager.default.contents(atPath: "/proc/\(name)/environ") else { continue }
            if env.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) { return pid }
        }
        return nil
    }

    /// A worker rank killed mid-run (SIGKILL by its pid; mpirun then ends the whole job): rank
    /// 0's stderr names the realizations lost with it and --resume; the journal beside the
    /// output holds the finished ones; `--resume` computes only the others (its note names the
    /// lost units) and its output equals the serial run's byte for byte; the journal is gone.
    @Test func killedRankResumesWithoutRecomputing() throws {
        let args = ["localization", "--preset", "paper", "--size", "30", "--realizations", "6"]
        let serial = CLI.scratch("mpi-kill-serial"), ranked = CLI.scratch("mpi-kill-np3"), io = CLI.scratch("mpi-kill-io")
        let journal = URL(fileURLWithPath: ranked.path + ".journal")
        defer { for d in [serial, ranked, io, journal] { try? FileManager.default.removeItem(at: d) } }
        let s = try CLI.run(args + ["--quiet", "--output", serial.path])
        #expect(s.status == 0, "stderr: \(s.stderr)")

        let job = try start(ranks: 3, args + ["--quiet", "--output", ranked.path], io: io)
        let events = journal.appendingPathComponent("events.log")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, job.isRunning,
              !((try? String(contentsOf: events, encoding: .utf8)) ?? "").contains("finished") { usleep(50_000) }
        let victim = try #require(pid(ofRank: 1, launchedBy: job.processIdentifier), "no rank 1 under mpirun")
        #expect(kill(victim, SIGKILL) == 0)
        job.waitUntilExit()
        #expect(job.terminationStatus != 0)
        let stderr = try String(contentsOf: io.appendingPathComponent("stderr"), encoding: .utf8)
        // What the journal says: the finished realizations, and the one rank 1 had when killed.
        let log = try String(contentsOf: events, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
        let saved = Set(try FileManager.default.contentsOfDirectory(atPath: journal.appendingPathComponent("records").path)
            .filter { $0.hasSuffix(".plist") && !$0.hasPrefix(".") }.compactMap { Int($0.dropLast(6)) })
        let rankOne = try #require(log.last { $0.count == 3 && $0[0] == "handed-out" && $0[2] == "1" }.flatMap { Int($0[1]) })
        #expect(!saved.contains(rankOne) && saved.count >= 1 && saved.count < 6, "saved \(saved), rank 1 had \(rankOne)")
        #expect(stderr.contains("error: the MPI job was stopped"), "stderr: \(stderr)")
        #expect(stderr.contains("realization \(rankOne) (rank 1)") && stderr.contains("--resume"), "stderr: \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: ranked.appendingPathComponent("summary.json").path))

        let r = try run(ranks: 3, args + ["--output", ranked.path, "--resume"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("\(saved.count) of 6 finished earlier, not recomputed") && r.stderr.contains("realization \(rankOne) (rank 1)"),
                "stderr: \(r.stderr)")
        let left = 6 - saved.count
        #expect(r.stderr.contains("realization \(left)/\(left) done") && !r.stderr.contains("/6 done"), "stderr: \(r.stderr)")
        #expect(try comparableSummary(serial) == comparableSummary(ranked))
        let files = CLI.files(in: serial)
        #expect(files.count > 6 && files == CLI.files(in: ranked))
        for f in files where f != "summary.json" {
            #expect(try Data(contentsOf: serial.appendingPathComponent(f)) == Data(contentsOf: ranked.appendingPathComponent(f)), "\(f) differs")
        }
        #expect(!FileManager.default.fileExists(atPath: journal.path), "the journal of a completed run is removed")
    }

    /// A sweep on three ranks (units handed out largest lattice first, appended to the store as
    /// they arrive): results.csv byte-identical to the serial sweep's, every unit's rows equal;
    /// then a store missing two units is finished with --resume on three ranks, computing only
    /// those two, to the same table.
    @Test func sweepOnThreeRanksEqualsSerialAndResumes() throws {
        let cfgDir = CLI.scratch("mpi-sweep-cfg"), serial = CLI.scratch("mpi-sweep-serial"), ranked = CLI.scratch("mpi-sweep-np3")
        defer { for d in [cfgDir, serial, ranked] { try? FileManager.default.removeItem(at: d) } }
        try FileManager.default.createDirectory(at: cfgDir, withIntermediateDirectories: true)
        let cfg = cfgDir.appendingPathComponent("sweep.json")
        try Data(#"{"sizes": [6, 8], "W": [9], "t2": 0.6, "fillings": [0.8333333333333334], "U": [0.2, 0.5], "realizations": 2, "window": "levels:10"}"#.utf8)
            .write(to: cfg)
        let s = try CLI.run(["sweep", cfg.path, "--output", serial.path, "--quiet"])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let m = try run(ranks: 3, ["sweep", cfg.path, "--output", ranked.path])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        func csv(_ d: URL) throws -> Data { try Data(contentsOf: d.appendingPathComponent("results.csv")) }
        func lines(_ d: URL) throws -> [String] {
            try String(contentsOf: d.appendingPathComponent("results.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func rows(_ d: URL) throws -> [String: JSON] {
            Dictionary(uniqueKeysWithValues: try lines(d).map { try JSON.parse($0) }.map { ($0["key"]!.stringValue!, $0["rows"]!) })
        }
        #expect(try csv(serial) == csv(ranked))
        #expect(try rows(serial) == rows(ranked) && rows(serial).count == 4)
        let manifest = try String(contentsOf: ranked.appendingPathComponent("sweep.json"), encoding: .utf8)
        #expect(manifest.contains("\"mpi_ranks\": 3"), "the sweep did not go through the MPI executor")
        // The two 8 x 8 units are handed out first, one to each worker, so the first record
        // back (the store's first line) is an 8 x 8 unit whatever the timing.
        let order = try lines(ranked)
        #expect(order.first?.contains("\"Lx\":8") == true, "\(order)")

        // Drop the last two units from the store (as if the job had been killed) and resume.
        let kept = order.prefix(2).map { $0 + "\n" }.joined()
        try Data(kept.utf8).write(to: ranked.appendingPathComponent("results.jsonl"))
        try FileManager.default.removeItem(at: ranked.appendingPathComponent("results.csv"))
        let r = try run(ranks: 3, ["sweep", cfg.path, "--output", ranked.path, "--resume"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("finished: 2 units computed, 2 already done"), "stderr: \(r.stderr)")
        #expect(try csv(serial) == csv(ranked))
    }

    /// The environment of a batch script run here: this test's, scrubbed of Open MPI's
    /// variables, with the Slurm variables a job would have and FERMIGLASS pointing at the binary.
    func slurmEnvironment(_ slurm: [String: String]) throws -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { k, _ in
            !(k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") || k.hasPrefix("ORTE_") || k.hasPrefix("OPAL_"))
        }
        env["FERMIGLASS"] = try #require(CLI.binary).path
        for (k, v) in slurm { env[k] = v }
        return env
    }

    /// scripts/slurm/fermiglass-mpi.sbatch, its `srun` line replaced by `mpirun` (what this
    /// machine has), with a job's SLURM_NTASKS = 3: the same files as the serial run.
    @Test func slurmScriptUnderMpirun() throws {
        let script = try String(contentsOf: CLI.packageRoot.appendingPathComponent("scripts/slurm/fermiglass-mpi.sbatch"), encoding: .utf8)
        let srun = "srun --mpi=pmix "
        #expect(script.components(separatedBy: srun).count - 1 == 1, "one srun line")
        let local = script.replacingOccurrences(of: srun, with: "\(try #require(mpirunExecutable).path) --oversubscribe --allow-run-as-root -np \"$SLURM_NTASKS\" ")
        let serial = CLI.scratch("slurm-serial"), ranked = CLI.scratch("slurm-np3"), dir = CLI.scratch("slurm-script")
        defer { for d in [serial, ranked, dir] { try? FileManager.default.removeItem(at: d) } }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("job.sh")
        try Data(local.utf8).write(to: file)
        let args = ["localization", "--preset", "paper", "--size", "14", "--realizations", "4", "--quiet"]
        let s = try CLI.run(args + ["--output", serial.path])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let r = try CLI.capture(URL(fileURLWithPath: "/bin/bash"), [file.path] + args + ["--output", ranked.path],
                                environment: slurmEnvironment(["SLURM_NTASKS": "3"]))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let provenance = try String(contentsOf: ranked.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(provenance.contains("\"mpi_ranks\": 3"))
        #expect(try comparableSummary(serial) == comparableSummary(ranked))
        let files = CLI.files(in: serial)
        #expect(files.count > 4 && files == CLI.files(in: ranked))
        for f in files where f != "summary.json" {
            #expect(try Data(contentsOf: serial.appendingPathComponent(f)) == Data(contentsOf: ranked.appendingPathComponent(f)), "\(f) differs")
        }
    }

    /// scripts/slurm/fermiglass-array.sbatch run as tasks 1 and 2 of a 2-task array (task 1
    /// twice: a resubmitted task resumes and computes nothing), then `merge`: the serial table.
    @Test func slurmJobArrayAndMerge() throws {
        let script = CLI.packageRoot.appendingPathComponent("scripts/slurm/fermiglass-array.sbatch")
        let dir = CLI.scratch("slurm-array"), serial = CLI.scratch("slurm-array-serial")
        defer { for d in [dir, serial] { try? FileManager.default.removeItem(at: d) } }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cfg = dir.appendingPathComponent("sweep.json")
        try Data(#"{"sizes": [6], "W": [9, 12], "t2": 0.6, "fillings": [0.8333333333333334], "U": [0.5], "realizations": 2, "window": "levels:10"}"#.utf8)
            .write(to: cfg)
        let s = try CLI.run(["sweep", cfg.path, "--output", serial.path, "--quiet"])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let out = dir.appendingPathComponent("runs")
        for task in ["1", "2", "1"] {
            let r = try CLI.capture(URL(fileURLWithPath: "/bin/bash"), [script.path, cfg.path, out.path],
                                    environment: slurmEnvironment(["SLURM_ARRAY_TASK_ID": task, "SLURM_ARRAY_TASK_COUNT": "2"]))
            #expect(r.status == 0, "task \(task): \(r.stderr)")
        }
        let merged = out.appendingPathComponent("merged")
        let m = try CLI.run(["merge", "--output", merged.path, out.appendingPathComponent("shard-1-of-2").path, out.appendingPathComponent("shard-2-of-2").path])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        #expect(try Data(contentsOf: serial.appendingPathComponent("results.csv")) == Data(contentsOf: merged.appendingPathComponent("results.csv")))
        let shard1 = try String(contentsOf: out.appendingPathComponent("shard-1-of-2/results.jsonl"), encoding: .utf8)
        #expect(shard1.split(separator: "\n").count == 2, "the resubmitted task 1 added no unit")
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
        defer { for d in [dir, URL(fileURLWithPath: dir.path + ".journal")] { try? FileManager.default.removeItem(at: d) } }
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
