import FermiGlass
import Foundation
import Testing

/// states.npz streamed from the record's states (``StoredStates/writeNPZ(path:)``): the same
/// bytes as the archive built in memory from the store, and, written with ZIP64 fields from the
/// first byte (what a > 4 GiB window gets), read by scipy.sparse.load_npz as the same CSC
/// matrix with int64 indices.
@Suite struct StoredStatesNPZTests {
    /// Local states of a 30 x 30, W = 20 window (dense eigenpairs compressed on rectangles).
    func store() throws -> (LocalEigenstates, CSRMatrix) {
        let lattice = try Lattice(lx: 30, ly: 30)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 20), seed: 3, realization: 0)
        let h = model.hamiltonian()
        let pairs = try DenseEigensolver.solve(h, selection: .energies(-0.5...0.5))
        return (try LocalEigenstates(compressing: pairs, lattice: lattice, maxDiscardedWeight: 1e-6), h)
    }


    @Test func streamedEqualsInMemoryAndScipyLoadsZip64() throws {
        let (local, h) = try store()
        #expect(local.count > 20 && local.count < 400)
        // Some states are cut to a rectangle smaller than the lattice (the CSC columns differ in length).
        #expect(local.regions.contains { $0.siteCount < 900 })
        let stored = try StudyRecordCoding.roundTrip(StoredStates(local))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stored-states-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let streamed = dir.appendingPathComponent("states.npz"), zip64 = dir.appendingPathComponent("states64.npz")
        try stored.writeNPZ(path: streamed.path)
        try stored.writeNPZ(path: zip64.path, zip64From: 0)
        let (memory, _) = try SpectrumStudy.encode(local, hamiltonian: h)
        #expect(try Data(contentsOf: streamed) == memory, "the streamed states.npz differs from the one built in memory")
        // The store rebuilt from the record equals the original, amplitude for amplitude.
        let back = stored.store
        #expect(back.values == local.values && back.regions == local.regions && back.firstLevel == local.firstLevel)
        for a in 0..<local.count {
            #expect(back.withAmplitudes(of: a) { Array($0) } == local.withAmplitudes(of: a) { Array($0) })
        }

        let reference = dir.appendingPathComponent("memory.npz")
        try memory.write(to: reference)
        let script = """
            import sys, numpy as np, scipy.sparse as sp
            a = sp.load_npz(sys.argv[1]); b = sp.load_npz(sys.argv[2])
            assert a.format == 'csc' and a.shape == b.shape, (a.format, a.shape, b.shape)
            z = np.load(sys.argv[1])  # the archive's own arrays (scipy narrows small index arrays to int32)
            assert z['indices'].dtype == np.int64 and z['indptr'].dtype == np.int64, (z['indices'].dtype, z['indptr'].dtype)
            assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data)
            n = np.asarray(a.multiply(a).sum(axis=0)).ravel()
            print(a.shape[0], a.shape[1], a.nnz, float(np.max(np.abs(n - 1))))
            """
        let p = Process()
        // The python3 on PATH (pyenv's, with scipy, on this machine).
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, zip64.path, reference.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if errors.contains("No module named") || p.terminationStatus == 127 {  // no python3 with scipy: the byte comparison above stands
            print("StoredStatesNPZTests: python3 with scipy not found, scipy.sparse.load_npz not checked: \(errors)")
            return
        }
        #expect(p.terminationStatus == 0, "scipy.sparse.load_npz failed on the ZIP64 states.npz: \(errors)")
        let fields = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(fields.count == 4)
        #expect(Int(fields[0]) == 900 && Int(fields[1]) == local.count)
        #expect(Int(fields[2]) == local.regions.reduce(0) { $0 + $1.siteCount })
        // Each column is a stored state: norm 1 up to its discarded weight (at most 1e-6).
        #expect((Double(fields[3]) ?? 1) <= 1.000001e-6)
    }
}
