import Foundation
import Testing
import FermiGlassIO
import FermiGlassTestSupport

/// Runs the built `fermiglass` executable. It sits next to the test bundle in the build
/// directory (.build/<config>/fermiglass); FERMIGLASS_BINARY overrides the search.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL? = {
        let fm = FileManager.default
        var candidates = [URL]()
        if let env = ProcessInfo.processInfo.environment["FERMIGLASS_BINARY"] { candidates.append(URL(fileURLWithPath: env)) }
        // The test runner: .build/<triple>/debug/<Package>PackageTests.xctest (a file on Linux,
        // a bundle directory on macOS); walk up a few levels from it and from Bundle.main.
        for start in [URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath(), Bundle.main.bundleURL] {
            var dir = start.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("fermiglass"))
                dir = dir.deletingLastPathComponent()
            }
        }
        for config in ["debug", "release"] {
            candidates.append(packageRoot.appendingPathComponent(".build/\(config)/fermiglass"))
        }
        return candidates.first { url in
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &isDir) && !isDir.boolValue && fm.isExecutableFile(atPath: url.path)
        }
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let exe = try #require(binary, "cannot find the fermiglass executable; build it or set FERMIGLASS_BINARY")
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        return try capture(exe, arguments, environment: env)
    }

    /// Runs `executable arguments` with exactly `environment` and no standard input, and waits
    /// for it. Both streams are captured into files, so that neither can fill a pipe and block
    /// the child.
    static func capture(_ executable: URL, _ arguments: [String], environment: [String: String]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        let tmp = scratch("io")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout"), errURL = tmp.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh, not yet existing directory path under the temporary directory.
    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-cli-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)-\(UUID().uuidString.prefix(8))")
    }

    /// Every regular file under `dir` (relative paths), empty when `dir` does not exist.
    static func files(in dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out = [String]()
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(String(url.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1)))
        }
        return out.sorted()
    }
}

/// Bad input: a clear message naming the problem, a non-zero exit code, and no file left in
/// --output (CONVENTIONS.md §4).
@Suite struct BadInputTests {
    /// Runs `arguments` + `--output DIR` and checks the exit code, that stderr contains
    /// `message`, and that DIR holds no file afterwards.
    func expectFailure(_ arguments: [String], message: String, status: Int32 = 64, environment: [String: String] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = CLI.scratch("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(arguments + ["--output", dir.path], environment: environment)
        #expect(r.status == status, "exit status \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(CLI.files(in: dir).isEmpty, "left behind: \(CLI.files(in: dir))", sourceLocation: sourceLocation)
    }

    @Test func nonPositiveSize() throws {
        try expectFailure(["spectrum", "--size", "0"], message: "Error: --size must be positive, got '0'")
        try expectFailure(["localization", "--size", "6x-2"], message: "Error: --size must be positive, got '6x-2'")
    }

    @Test func unknownFactorizationOrBlockSize() throws {
        try expectFailure(["spectrum", "--size", "20", "--solver", "shift-invert", "--sigma", "0", "--count", "4", "--factorization", "lu"],
                          message: "Error: The value 'lu' is invalid for '--factorization <factorization>'. Please provide one of 'auto', 'mumps' or 'cholmod'.")
        try expectFailure(["spectrum", "--size", "20", "--solver", "shift-invert", "--sigma", "0", "--count", "4", "--block-size", "0"],
                          message: "Error: --block-size must be positive, got 0")
    }

    @Test func notANumber() throws {
        try expectFailure(["localization", "--size", "6", "--t2", "nan"], message: "Error: --t2 must be a finite number, got nan")
        try expectFailure(["dos", "--size", "6", "--W", "nan"], message: "Error: --W: 'nan' is not a finite number")
        try expectFailure(["dos", "--size", "6", "--W", "0,3,nan"], message: "Error: --W: 'nan' is not a finite number")
    }

    @Test func disorderFileOfTheWrongLength() throws {
        let file = CLI.packageRoot.appendingPathComponent("data/disorder-6x6.txt").path
        try expectFailure(["localization", "--size", "7", "--disorder", file],
                          message: "Error: disorder file \(file) has 36 values, but the lattice has 49 sites")
        let npy = CLI.packageRoot.appendingPathComponent("data/disorder-6x6.npy").path
        try expectFailure(["spectrum", "--size", "5", "--disorder", npy],
                          message: "Error: disorder file \(npy) has 36 values, but the lattice has 25 sites")
    }

    @Test func disorderFileWithANonFiniteValue() throws {
        let dir = CLI.scratch("disorder")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.txt")
        try (Array(repeating: "0.5", count: 12) + ["inf"] + Array(repeating: "-1", count: 23)).joined(separator: "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        try expectFailure(["localization", "--size", "6", "--disorder", file.path],
                          message: "Error: disorder file \(file.path) has a non-finite value (inf) at site 12")
    }

    @Test func impossibleFilling() throws {
        try expectFailure(["spectrum", "--size", "6", "--particles", "7"],
                          message: "Error: particle number must be even (a paramagnetic Fermi sea), got 7")
        try expectFailure(["dos", "--size", "6", "--particles", "72"],
                          message: "Error: particle number must satisfy 0 < N < 2 * sites = 72, got 72")
        try expectFailure(["dos", "--size", "6", "--filling", "2.5"],
                          message: "Error: filling must be a number in (0, 2) particles per site, got 2.5")
    }

    @Test func selectionWithNoStates() throws {
        try expectFailure(["localization", "--size", "6", "--W", "9", "--energies", "100:200"],
                          message: "Error: --energies 100:200 holds no state: every level lies in [-8.5, 8.5] (Gershgorin bound of H0)")
        try expectFailure(["localization", "--size", "6", "--states", "30:40"],
                          message: "Error: --states 30:40 is outside the 36 levels 0:36 of a 6x6 lattice")
        try expectFailure(["matrix-elements", "--size", "6", "--states", "5:5"], message: "Error: --states 5:5 holds no state (b must exceed a)")
        // Inside the Gershgorin bound but between the clean lattice's levels: found empty at run
        // time, still bad input (64) like the windows refused before the run.
        try expectFailure(["localization", "--size", "6", "--energies", "0.1:0.2"],
                          message: "error: the energy window [0.1, 0.2] holds no state", status: 64)
    }

    @Test func planThatCannotFitInMemory() throws {
        // Refused by the memory plan before anything is allocated (bad input, 64).
        try expectFailure(["localization", "--size", "40", "--W", "9"],
                          message: "Error: localization needs about 58.9 MiB of memory (dense eigensolver (N x N matrix, eigenvectors and workspace): about 58.7 MiB), but only 1.0 MiB is available; nothing was computed",
                          status: 64, environment: ["FERMIGLASS_MEMORY_LIMIT": "1M"])
    }

    @Test func nonEmptyOutputWithoutForce() throws {
        let dir = CLI.scratch("nonempty")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "keep me".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        for command in ["spectrum", "localization", "dos", "matrix-elements"] {
            let r = try CLI.run([command, "--size", "6", "--output", dir.path])
            #expect(r.status == 64)
            #expect(r.stderr.contains("Error: output directory \(dir.path) is not empty; choose another --output or pass --force to overwrite"))
            #expect(CLI.files(in: dir) == ["notes.txt"])
        }
    }
}

/// The commands' outputs and their reproducibility contract.
@Suite(.slow, .tags(.slow)) struct CommandTests {
    func summary(_ dir: URL) throws -> JSON {
        try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
    }

    /// Realization r is the same lattice whether run alone (--realization-range 3:4) or in a
    /// batch (--realizations 5): bit-identical eigenvalue files.
    @Test func realizationAloneEqualsRealizationInBatch() throws {
        let alone = CLI.scratch("alone"), batch = CLI.scratch("batch")
        defer { try? FileManager.default.removeItem(at: alone); try? FileManager.default.removeItem(at: batch) }
        let common = ["spectrum", "--size", "7x6", "--t2", "0.6", "--W", "9", "--seed", "17"]
        #expect(try CLI.run(common + ["--realization-range", "3:4", "--output", alone.path]).status == 0)
        #expect(try CLI.run(common + ["--realizations", "5", "--output", batch.path]).status == 0)
        let a = try Data(contentsOf: alone.appendingPathComponent("r003/eigenvalues.npy"))
        let b = try Data(contentsOf: batch.appendingPathComponent("r003/eigenvalues.npy"))
        #expect(a == b)
        #expect(try Data(contentsOf: alone.appendingPathComponent("eigenvalues.npy")) == a)
    }

    /// The thread contract of the brief, on both paths, each run its own process (so that no
    /// other test shares the BLAS thread setting): the same --threads gives bit-identical
    /// eigenvalue files; 1 and 2 threads agree to 1e-12 ||H||.
    @Test(arguments: [["--solver", "dense"], ["--solver", "shift-invert", "--sigma=-0.2", "--count", "12"]])
    func threadCountContract(_ solver: [String]) throws {
        let common = ["spectrum", "--size", "30", "--t2", "0.6", "--W", "9", "--seed", "11"] + solver
        var files: [Data] = []
        for threads in ["1", "1", "2", "2"] {
            let dir = CLI.scratch("threads")
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try CLI.run(common + ["--threads", threads, "--output", dir.path])
            #expect(r.status == 0, "\(r.stderr)")
            files.append(try Data(contentsOf: dir.appendingPathComponent("eigenvalues.npy")))
        }
        #expect(files[0] == files[1])
        #expect(files[2] == files[3])
        let one = try NPY.decode(files[0]).values, two = try NPY.decode(files[2]).values
        #expect(one.count == two.count && !one.isEmpty)
        // ||H||_inf <= 4 |t1| + 4 |t2| + W / 2 = 10.9 on this lattice.
        #expect(zip(one, two).map { abs($0 - $1) }.max()! <= 1e-12 * 10.9)
    }

    /// localization on the sample disorder file: the .txt and .npy forms give identical results,
    /// and the summary has the documented keys.
    @Test func localizationOnTheSampleDisorderFile() throws {
        let t = CLI.scratch("loc-txt"), n = CLI.scratch("loc-npy")
        defer { try? FileManager.default.removeItem(at: t); try? FileManager.default.removeItem(at: n) }
        let common = ["localization", "--size", "6", "--t2", "0.6", "--save-disorder"]
        let r1 = try CLI.run(common + ["--disorder", CLI.packageRoot.appendingPathComponent("data/disorder-6x6.txt").path, "--output", t.path])
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try CLI.run(common + ["--disorder", CLI.packageRoot.appendingPathComponent("data/disorder-6x6.npy").path, "--output", n.path])
        #expect(r2.status == 0, "\(r2.stderr)")
        let s1 = try summary(t), s2 = try summary(n)
        let l = try #require(s1["localization_length"]?.doubleValue)
        #expect(l == s2["localization_length"]?.doubleValue)
        #expect(l >= 1 && l <= 6)
        #expect(s1["localization_length_stderr"]?.doubleValue == 0)
        #expect(s1["localization_length_typical"]?.doubleValue != nil)
        #expect(CLI.files(in: t) == ["eigenvalues.npy", "ipr.npy", "localization_vs_energy.csv", "r000/disorder.npy",
                                     "r000/eigenvalues.npy", "r000/ipr.npy", "summary.json"])
        let saved = try NPY.read(t.appendingPathComponent("r000/disorder.npy"))
        let original = try NPY.read(CLI.packageRoot.appendingPathComponent("data/disorder-6x6.npy"))
        #expect(saved.values == original.values)
    }

    /// dos for several W in one call: one column per W, each integrating to 1; the clean
    /// bandwidth is 8.8.
    @Test func dosForSeveralW() throws {
        let dir = CLI.scratch("dos")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["dos", "--size", "8", "--t2", "0.6", "--W", "0,4.5", "--realizations", "2", "--filling", "0.8",
                             "--bin-width", "0.2", "--output", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try summary(dir)
        let bw = (s["bandwidth"]?.arrayValue ?? []).compactMap(\.doubleValue)
        #expect(bw.count == 2)
        #expect(abs(bw[0] - 8.8) < 1e-12)
        #expect(s["dos_at_fermi"]?.arrayValue?.count == 2)
        let csv = try String(contentsOf: dir.appendingPathComponent("dos.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv[0] == "energy_low,energy_high,energy_center,dos_W0,dos_W4.5")
        for column in [3, 4] {
            let integral = csv.dropFirst().map { Double($0.split(separator: ",")[column])! }.reduce(0, +) * 0.2
            #expect(abs(integral - 1) < 1e-9)
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r001/eigenvalues_W4.5.npy").path))
    }

    /// matrix-elements: every pair once, chi symmetric on the diagonal-free pair list, summary keys.
    @Test func matrixElementsWritesPairsAndFit() throws {
        let dir = CLI.scratch("me")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["matrix-elements", "--size", "12", "--t2", "0.6", "--W", "9", "--realizations", "2",
                             "--states", "40:80", "--bins", "2,4,6", "--bootstrap", "50", "--output", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try summary(dir)
        for key in ["decay_length", "decay_length_bootstrap_error", "decay_length_over_L", "decay_length_over_L_selected"] {
            #expect(s[key]?.doubleValue != nil, "missing \(key)")
        }
        let rows = try String(contentsOf: dir.appendingPathComponent("pairs.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 1 + 2 * 40 * 39 / 2)
        let decay = try String(contentsOf: dir.appendingPathComponent("decay.csv"), encoding: .utf8).split(separator: "\n")
        #expect(decay.count == 4)
        let random = CLI.scratch("me-random")
        defer { try? FileManager.default.removeItem(at: random) }
        let r2 = try CLI.run(["matrix-elements", "--size", "12", "--W", "9", "--states", "40:80", "--pairs", "100", "--output", random.path])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(try String(contentsOf: random.appendingPathComponent("pairs.csv"), encoding: .utf8).split(separator: "\n").count == 101)
        // An energy range: the states written are exactly those in [a, b], and every pair of them is listed.
        let window = CLI.scratch("me-window")
        defer { try? FileManager.default.removeItem(at: window) }
        let r3 = try CLI.run(["matrix-elements", "--size", "10", "--t2", "0.6", "--W", "9", "--energies", "-1.5:0.5", "--output", window.path])
        #expect(r3.status == 0, "\(r3.stderr)")
        let levels = try NPY.read(window.appendingPathComponent("eigenvalues.npy")).values
        #expect(levels.count > 2 && levels.allSatisfy { $0 >= -1.5 && $0 <= 0.5 })
        let pairRows = try String(contentsOf: window.appendingPathComponent("pairs.csv"), encoding: .utf8).split(separator: "\n").count - 1
        #expect(pairRows == levels.count * (levels.count - 1) / 2)
    }
}
