import FermiGlassIO
import Foundation
import Testing
import FermiGlassTestSupport

/// The sparse path (CHOLMOD LDL^T + shift-invert) of the observable commands against the dense
/// path on small lattices.
@Suite(.slow, .tags(.slow)) struct SparsePathCLITests {
    private func run(_ args: [String]) throws -> (dir: URL, summary: JSON) {
        let dir = CLI.scratch("sparse")
        let r = try CLI.run(args + ["--output", dir.path, "--threads", "1"])
        #expect(r.status == 0, "\(args.prefix(1)): \(r.stderr)")
        return (dir, try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)))
    }

    private func npy(_ dir: URL, _ name: String) throws -> [Double] {
        try NPY.read(dir.appendingPathComponent(name)).values
    }

    private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        #expect(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    static let model = ["--size", "20", "--t2", "0.6", "--W", "9", "--seed", "7"]

    /// localization --states a:b: the same levels, energies and IPRs on both paths.
    @Test func localizationLevelsMatchDense() throws {
        let args = ["localization"] + Self.model + ["--states", "150:190"]
        let dense = try run(args), sparse = try run(args + ["--solver", "shift-invert"])
        defer { try? FileManager.default.removeItem(at: dense.dir); try? FileManager.default.removeItem(at: sparse.dir) }
        #expect(sparse.summary["solver"]?["method"]?.stringValue?.hasPrefix("shift-invert") == true)
        #expect(sparse.summary["solver"]?["certified"]?.boolValue == true)
        #expect(maxDifference(try npy(dense.dir, "eigenvalues.npy"), try npy(sparse.dir, "eigenvalues.npy")) < 1e-8)
        #expect(maxDifference(try npy(dense.dir, "ipr.npy"), try npy(sparse.dir, "ipr.npy")) < 1e-8)
        let l = [dense, sparse].map { $0.summary["localization_length"]?.doubleValue ?? .nan }
        #expect(abs(l[0] - l[1]) < 1e-8)
    }

    /// matrix-elements --states a:b: the same pair list (chi is sign-free) and decay length.
    @Test func matrixElementsMatchDense() throws {
        let args = ["matrix-elements"] + Self.model + ["--states", "150:190", "--bins", "3,5,7", "--bootstrap", "0"]
        let dense = try run(args), sparse = try run(args + ["--solver", "shift-invert"])
        defer { try? FileManager.default.removeItem(at: dense.dir); try? FileManager.default.removeItem(at: sparse.dir) }
        let chi = try [dense, sparse].map { r in
            try String(contentsOf: r.dir.appendingPathComponent("pairs.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { Double($0.split(separator: ",").last!)! }
        }
        #expect(chi[0].count == 40 * 39 / 2)
        #expect(maxDifference(chi[0], chi[1]) < 1e-8)
        for key in ["decay_length", "localization_length_selected"] {
            let v = [dense, sparse].map { $0.summary[key]?.doubleValue ?? .nan }
            #expect(abs(v[0] - v[1]) < 1e-8, "\(key): \(v)")
        }
        #expect(sparse.summary["localization_length_all_states"]?.stringValue?.hasPrefix("not computed: the sparse path has the selected states only") == true)
        #expect(sparse.summary["localization_length_all"] == .null && sparse.summary["decay_length_over_L"] == .null)
        #expect(dense.summary["localization_length_all"]?.doubleValue != nil)
    }

    /// dos needs an energy window on the sparse path.
    @Test func dosShiftInvertWithoutWindowIsRefused() throws {
        let dir = CLI.scratch("dos-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["dos", "--size", "8", "--solver", "shift-invert", "--output", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Error: dos with --solver shift-invert needs an energy window --energies a:b"), "\(r.stderr)")
        #expect(CLI.files(in: dir).isEmpty)
    }

    /// ground-state on 24x24: the sparse path (window by shift-invert, Chebyshev core) equals
    /// the dense path with the same Chebyshev core (same window, occupations, energies), and
    /// its energies differ from the exact-core dense energies by at most the core error bound
    /// |dE_band| + |U| (|d sum n_core^2| + 2 k max_a |d shift_a|), which bounds the change of
    /// E1 at every configuration and hence of its minimum.
    @Test func groundStateSparseMatchesDense() throws {
        let base = ["ground-state", "--size", "24", "--t2", "0.6", "--W", "9", "--filling", "0.8333333333333334",
                    "--U", "0.5,1", "--window", "energy:0.3", "--proposals", "2000",
                    "--chebyshev-moments", "300", "--probe-spacing", "6"]
        let exact = try run(base), cheb = try run(base + ["--core", "chebyshev"]), sparse = try run(base + ["--solver", "shift-invert"])
        defer { for r in [exact, cheb, sparse] { try? FileManager.default.removeItem(at: r.dir) } }
        #expect(sparse.summary["eigen_path"]?.stringValue?.hasPrefix("sparse") == true)
        #expect(sparse.summary["localization_length_states"]?.stringValue?.contains("window states") == true)
        let windows = [exact, cheb, sparse].map { $0.summary["window"]?["levels"]?.serialized() }
        #expect(windows[0] == windows[1] && windows[1] == windows[2], "\(windows)")
        #expect(maxDifference(try npy(cheb.dir, "occupations.npy"), try npy(sparse.dir, "occupations.npy")) == 0)
        #expect(maxDifference(try npy(exact.dir, "r000/window_xi.npy"), try npy(sparse.dir, "r000/window_xi.npy")) < 1e-9)
        let core = try #require(cheb.summary["solver"]?.arrayValue?.first?["frozen_core"])
        let k = Double(try npy(sparse.dir, "r000/window_xi.npy").count)
        let bandError = abs(core["core_band_energy_error"]?.doubleValue ?? .nan)
        let selfError = abs(core["core_self_overlap_error"]?.doubleValue ?? .nan)
        let shiftError = abs(core["core_shift_max_error"]?.doubleValue ?? .nan)
        let results = [exact, cheb, sparse].map { $0.summary["results"]?.arrayValue ?? [] }
        for i in 0..<2 {
            let u = results[2][i]["U"]?.doubleValue ?? .nan
            let e = results.map { $0[i]["energies"]?.arrayValue?.first?.doubleValue ?? .nan }
            let p = results.map { $0[i]["polarized"]?.arrayValue?.first?.intValue ?? -1 }
            #expect(abs(e[1] - e[2]) < 1e-8 * abs(e[2]), "U = \(u): \(e)")
            #expect(p[1] == p[2], "U = \(u): \(p)")
            let bound = bandError + abs(u) * (selfError + 2 * k * shiftError)
            #expect(abs(e[0] - e[2]) <= bound, "U = \(u): |E_exact - E_sparse| = \(abs(e[0] - e[2])) > bound \(bound)")
            #expect(p[0] == p[2], "U = \(u): polarized \(p)")
        }
    }
}

/// spectrum --store local: the window written as a scipy.sparse CSC matrix (states.npz) whose
/// columns are the dense run's eigenvectors restricted to their rectangles, with a per-state table.
@Suite(.slow, .tags(.slow)) struct CompressedSpectrumCLITests {
    @Test func localStoreWritesTheDenseStatesRestricted() throws {
        let common = ["spectrum", "--size", "40", "--t2", "0.6", "--W", "20", "--seed", "3", "--filling", "0.8333333333333334",
                      "--solver", "shift-invert", "--window", "levels:30", "--save-vectors", "--threads", "1"]
        let denseDir = CLI.scratch("store-dense"), localDir = CLI.scratch("store-local")
        defer { try? FileManager.default.removeItem(at: denseDir); try? FileManager.default.removeItem(at: localDir) }
        let d = try CLI.run(common + ["--output", denseDir.path])
        let l = try CLI.run(common + ["--store", "local", "--max-discarded-weight", "1e-8", "--output", localDir.path])
        #expect(d.status == 0 && l.status == 0, "\(d.stderr) \(l.stderr)")
        let dense = try NPY.read(denseDir.appendingPathComponent("eigenvectors.npy"))
        #expect(dense.shape == [1600, 60])
        #expect(!FileManager.default.fileExists(atPath: localDir.appendingPathComponent("eigenvectors.npy").path))
        let members = Dictionary(uniqueKeysWithValues: try NPZ.decode(Data(contentsOf: localDir.appendingPathComponent("states.npz"))).map { ($0.name, $0.npy) })
        #expect(Set(members.keys) == ["data", "indices", "indptr", "shape", "format"])
        let data = try NPY.decode(members["data"]!).values, indices = try NPY.decode(members["indices"]!).values.map { Int($0) }
        let indptr = try NPY.decode(members["indptr"]!).values.map { Int($0) }
        #expect(try NPY.decode(members["shape"]!).values == [1600, 60])
        #expect(indptr.count == 61 && indptr.last == data.count && data.count < 1600 * 60)
        let table = try String(contentsOf: localDir.appendingPathComponent("state_table.csv"), encoding: .utf8).split(separator: "\n")
        #expect(table.first == "level,energy,residual,support_sites,discarded_weight,max_site" && table.count == 61)
        for a in 0..<60 {
            var kept = Set<Int>()
            var dropped = 1.0
            for k in indptr[a]..<indptr[a + 1] {
                let i = indices[k]
                if k > indptr[a] { #expect(i > indices[k - 1]) }  // sites ascending in each column
                #expect(data[k] == dense.values[i * 60 + a])
                kept.insert(i)
                dropped -= data[k] * data[k]
            }
            let row = table[a + 1].split(separator: ",")
            #expect(Int(row[3]) == kept.count)
            #expect(abs(Double(row[4])! - dropped) < 1e-12 && Double(row[4])! <= 1e-8 * (1 + 1e-9))
            #expect(Double(row[2])! < 1e-3)  // residual of the truncated state: about ||H|| sqrt(1e-8)
        }
        let summary = try JSON.parse(String(contentsOf: localDir.appendingPathComponent("summary.json"), encoding: .utf8))
        let storage = summary["realizations"]?.arrayValue?.first?["storage"]
        #expect(storage?["dense_bytes"]?.intValue == 8 * 1600 * 60)
        #expect((storage?["stored_bytes"]?.intValue ?? .max) < 8 * 1600 * 60)
        #expect(try NPY.read(localDir.appendingPathComponent("eigenvalues.npy")).values == NPY.read(denseDir.appendingPathComponent("eigenvalues.npy")).values)
    }

    @Test func badDiscardedWeightIsRefused() throws {
        let dir = CLI.scratch("store-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["spectrum", "--size", "6", "--store", "local", "--max-discarded-weight", "1.5", "--output", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--max-discarded-weight must lie in [0, 1), got 1.5"))
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
