import FermiGlass
import Foundation
import Testing

/// The Hamiltonian as scipy.sparse CSR (.npz and .npy members): round trips and refusals.
@Suite struct CSRExportTests {
    func hamiltonian() throws -> CSRMatrix {
        let lattice = try Lattice(lx: 5, ly: 4, boundaryX: .periodic, boundaryY: .open)
        let params = ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0.25)
        return try DisorderedModel(lattice: lattice, parameters: params, seed: 7, realization: 3).hamiltonian()
    }

    @Test func npzRoundTripsEntryForEntry() throws {
        let h = try hamiltonian()
        let back = try CSRExport.csr(fromNPZ: CSRExport.npz(h))
        #expect(back == h)
    }

    @Test func npzMembersDecodeAsNPYWithScipyNames() throws {
        let h = try hamiltonian()
        let members = try NPZ.decode(CSRExport.npz(h))
        #expect(members.map(\.name) == ["data", "indices", "indptr", "shape", "format"])
        let byName = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.npy) })
        let data = try NPY.decode(byName["data"]!)
        #expect(data.shape == [h.nonzeroCount] && data.values == h.values)
        #expect(try NPY.decode(byName["indices"]!).values == h.columnIndices.map(Double.init))
        #expect(try NPY.decode(byName["indptr"]!).values == h.rowPointers.map(Double.init))
        #expect(try NPY.decode(byName["shape"]!).values == [20, 20])
        let format = String(decoding: byName["format"]!, as: UTF8.self)
        #expect(format.contains("'descr': '<U3'") && format.contains("'shape': ()"))
        // The separate .npy files are the same arrays.
        let files = Dictionary(uniqueKeysWithValues: CSRExport.npyFiles(h).map { ($0.name, $0.npy) })
        for name in ["data", "indices", "indptr", "shape"] { #expect(files[name] == byName[name]) }
    }

    @Test func aBrokenStructureIsAnErrorNotACrash() throws {
        let npz = try NPZ.encodeCSR(rows: 2, columns: 2, indptr: [0, 2, 1], indices: [0, 1], data: [1, 2])
        #expect(throws: IOError.self) { try CSRExport.csr(fromNPZ: npz, source: "bad.npz") }
        let outOfRange = try NPZ.encodeCSR(rows: 2, columns: 2, indptr: [0, 1, 2], indices: [0, 5], data: [1, 2])
        do {
            _ = try CSRExport.csr(fromNPZ: outOfRange, source: "bad.npz")
            Issue.record("an out-of-range column was accepted")
        } catch let e as IOError {
            #expect(e.description.contains("bad.npz") && e.description.contains("column 5 out of range"))
        }
        #expect(throws: IOError.self) { try NPZ.decode(Data("not a zip at all, just some text".utf8)) }
    }
}
