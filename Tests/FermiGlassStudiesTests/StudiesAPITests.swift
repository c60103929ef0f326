import FermiGlass
import Foundation
import Testing

/// Each study called from Swift (no process spawned), on small lattices, against analytic
/// results or an independent computation.
@Suite struct StudiesAPITests {
    func spec(_ l: Int, t2: Double = 0.6, w: Double = 9, filling: Double? = nil, realizations: [Int] = [0], seed: UInt64 = 5) throws -> ModelSpec {
        let lattice = try Lattice(lx: l, ly: l)
        return try ModelSpec(lattice: lattice, parameters: ModelParameters(t1: 1, t2: t2, disorderStrength: w, mu: 0),
                             filling: filling.map { try Filling(filling: $0, siteCount: lattice.siteCount) }, seed: seed,
                             realizations: realizations)
    }

    /// The clean t-t' lattice: eps(k) = 2 t1 (cos kx + cos ky) + 4 t2 cos kx cos ky on the
    /// 6 x 6 momenta; E_F midway between levels N/2 - 1 and N/2, and the shell is open when
    /// they are degenerate.
    @Test func spectrumOfTheCleanLatticeIsTheDispersion() throws {
        let s = try spec(6, w: 0, filling: 20.0 / 36)
        let records = try SpectrumStudy(spec: s, request: EigenRequest(solver: .dense, selection: .all, vectors: false)).run()
        var analytic = [Double]()
        for x in 0..<6 { for y in 0..<6 {
            let kx = 2 * Double.pi * Double(x) / 6, ky = 2 * Double.pi * Double(y) / 6
            analytic.append(2 * (cos(kx) + cos(ky)) + 4 * 0.6 * cos(kx) * cos(ky))
        } }
        analytic.sort()
        let rec = try #require(records.first)
        #expect(zip(rec.values, analytic).allSatisfy { abs($0 - $1) < 1e-12 })
        let ef = try #require(rec.fermiEnergy)
        #expect(abs(ef - 0.5 * (analytic[9] + analytic[10])) < 1e-12)
        #expect(rec.openShell == (abs(analytic[10] - analytic[9]) < 1e-9))
    }

    /// L_loc over an energy window: the dense path and shift-invert (an independent solver) give
    /// the same states and the same lengths; the pooled length is < IPR^(-1/2) > of those states.
    @Test func localizationDenseAndShiftInvertAgree() throws {
        let s = try spec(14, realizations: [0, 1])
        let window = StateSelection.energies(-1.0 ... 0.0)
        let dense = try LocalizationStudy(spec: s, request: EigenRequest(solver: .dense, selection: window)).run()
        let sparse = try LocalizationStudy(spec: s, request: EigenRequest(solver: .shiftInvert, selection: window)).run()
        #expect(dense.records.map(\.ipr.count) == sparse.records.map(\.ipr.count))
        #expect(abs(dense.localizationLength - sparse.localizationLength) < 1e-8)
        let ipr = dense.records.flatMap(\.ipr)
        #expect(abs(dense.localizationLength - ipr.map { 1 / $0.squareRoot() }.reduce(0, +) / Double(ipr.count)) < 1e-12)
        #expect(dense.records.allSatisfy { $0.energies.allSatisfy { $0 >= -1 && $0 <= 0 } })
        // Every level of [-1, 0] of realization 0, counted on the whole dense spectrum.
        let all = try Eigensolver.solve(s.model(realization: 0).hamiltonian(), EigenRequest(solver: .dense, vectors: false)).pairs.values
        #expect(dense.records[0].energies.count == all.filter { $0 >= -1 && $0 <= 0 }.count)
    }

    /// The DOS of every W integrates to 1; the clean bandwidth is 8.8 (t1 = 1, t2 = 0.6); with a
    /// filling, rho(E_F) per realization equals the count of levels within +-h/2 / (V h).
    @Test func dosIntegratesToOneAndCleanBandwidth() throws {
        let s = try spec(8, filling: 0.8, realizations: [0, 1])
        let study = DOSStudy(spec: s, disorderStrengths: [0, 4.5], request: EigenRequest(solver: .dense, selection: .all), binWidth: 0.2)
        let r = try study.run()
        #expect(study.units.count == 4 && study.describe(unit: 3) == "realization 1 at W = 4.5")
        #expect(abs(r.bandwidths[0][0] - 8.8) < 1e-12 && abs(r.bandwidths[0][1] - 8.8) < 1e-12)
        for h in r.histograms { #expect(abs(h.density.reduce(0, +) * 0.2 - 1) < 1e-9) }
        let rec = r.records[3], ef = try #require(r.fermiEnergies)[1][1]
        let near = rec.levels.filter { abs($0 - ef) <= 0.1 }.count
        #expect(abs(try #require(r.densityAtFermi)[1][1] - Double(near) / (64 * 0.2)) < 1e-12)
    }

    /// KPM against the exact levels: the integrated DOS reaches 1, and the inertia count at the
    /// KPM Fermi energy equals the number of exact levels below it.
    @Test func kpmAgreesWithTheExactLevels() throws {
        let s = try spec(12, filling: 5.0 / 6)
        let study = KPMDOSStudy(spec: s, disorderStrengths: [9],
                                options: .init(moments: 200, vectors: 4, seed: 5), gridSpacing: 0.1)
        let r = try study.run()
        #expect(abs(try #require(r.idos[0].value.last) - 1) < 1e-3)
        let rec = r.records[0], ef = try #require(rec.fermiEnergy)
        let exact = try Eigensolver.solve(s.model(realization: 0).hamiltonian(), EigenRequest(solver: .dense, vectors: false)).pairs.values
        #expect(rec.levelsBelow == exact.filter { $0 < ef }.count)
    }

    /// chi over all states: sum_c chi_ac = sum_i |phi_a(i)|^2 sum_c |phi_c(i)|^2 = 1
    /// (completeness), chi_aa = IPR_a; every pair a < c is listed once.
    @Test func matrixElementsCompletenessAndPairs() throws {
        let s = try spec(8, realizations: [0, 1])
        let study = MatrixElementsStudy(spec: s, request: EigenRequest(solver: .dense, selection: .all), states: .all,
                                        bins: try .init(centers: [1, 2.5, 4], halfWidth: 0.6), bootstrap: 20, keepChi: true)
        let r = try study.run()
        for rec in r.records {
            let n = rec.energies.count
            #expect(n == 64 && rec.pairA.count == n * (n - 1) / 2)
            for a in 0..<n {
                #expect(abs((0..<n).map { rec.chi[a * n + $0] }.reduce(0, +) - 1) < 1e-12)
                #expect(abs(rec.chi[a * n + a] - rec.iprSelected[a]) < 1e-15)
            }
            // 8 x 8 periodic: minimum-image distances are at most sqrt(4^2 + 4^2).
            #expect(rec.pairDistance.allSatisfy { $0 <= 32.0.squareRoot() + 1e-12 })
        }
        #expect(r.lengthAll == r.lengthSelected)
        #expect(r.decayLength.isNaN || r.decayLength > 0)
    }

    /// A clean chain outside its band (E = 2.5, t1 = 1): gamma_min = arccosh(E / 2).
    @Test func transferMatrixOfACleanChain() throws {
        let study = TransferMatrixStudy(parameters: ModelParameters(t1: 1, t2: 0, disorderStrength: 0, mu: 0), widths: [1],
                                        energy: 2.5, energySource: "test", options: .init(length: 2000, blocks: 4, seed: 1))
        let strip = try #require(try study.run().first)
        #expect(abs(strip.gammaMin - acosh(1.25)) < 1e-9)
        #expect(abs(strip.xi * strip.gammaMin - 1) < 1e-15)
    }
}
