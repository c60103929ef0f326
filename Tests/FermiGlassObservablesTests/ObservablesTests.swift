import Foundation
import Testing
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

private func solve(_ lx: Int, _ ly: Int, t1: Double = 1, t2: Double = 0.6, w: Double = 9, seed: UInt64 = 1, realization: Int = 0) throws -> Eigenpairs {
    let m = try DisorderedModel(lattice: try Lattice(lx: lx, ly: ly), parameters: ModelParameters(t1: t1, t2: t2, disorderStrength: w),
                                seed: seed, realization: realization)
    return try DenseEigensolver.solve(m.hamiltonian())
}

@Suite struct LocalizationTests {
    /// The k = 0 state of the clean periodic lattice is uniform, phi(i) = 1/sqrt(N), so
    /// IPR = N (1/N)^2 = 1/N. It is the top of the band for t1, t2 > 0 (e = 4 t1 + 4 t2) and the
    /// bottom for t1, t2 < 0, and non-degenerate in both cases.
    @Test(arguments: [(1.0, 0.6, true), (-1.0, -0.6, false), (1.0, 0.0, true)])
    func uniformStateHasIPROneOverN(t1: Double, t2: Double, top: Bool) throws {
        let (lx, ly) = (6, 5)
        let pairs = try solve(lx, ly, t1: t1, t2: t2, w: 0)
        let a = top ? pairs.count - 1 : 0
        let neighbour = top ? pairs.count - 2 : 1
        #expect(abs(pairs.values[a] - (4 * t1 + 4 * t2)) < 1e-12)
        #expect(abs(pairs.values[a] - pairs.values[neighbour]) > 0.1)  // non-degenerate
        let ipr = Localization.ipr(pairs)
        #expect(abs(ipr[a] - 1 / Double(lx * ly)) < 1e-14)
    }

    /// IPR lies in [1/N, 1]; L_loc and the typical length are the stated means.
    @Test func lengthDefinitions() throws {
        let pairs = try solve(8, 8)
        let ipr = Localization.ipr(pairs)
        #expect(ipr.allSatisfy { $0 >= 1 / 64.0 - 1e-14 && $0 <= 1 + 1e-14 })
        #expect(Localization.length(ipr: [0.25, 1.0 / 9]) == 2.5)
        #expect(abs(Localization.typicalLength(ipr: [1.0 / 4, 1.0 / 16]) - 8.0.squareRoot()) < 1e-14)
    }

    /// L_loc(E): the bins partition the states, and the state-weighted mean of the bins'
    /// L_loc is the pooled L_loc.
    @Test func energyResolvedLengthPartitionsTheStates() throws {
        let p1 = try solve(8, 8, realization: 0), p2 = try solve(8, 8, realization: 1)
        let e = [p1.values, p2.values], q = [Localization.ipr(p1), Localization.ipr(p2)]
        let all = e.flatMap { $0 }
        let bins = EnergyBins(covering: all.min()!, all.max()!, width: 0.5)
        let rows = Localization.byEnergy(energies: e, ipr: q, bins: bins)
        #expect(rows.map(\.states).reduce(0, +) == 128)
        let weighted = rows.filter { $0.states > 0 }.reduce(0) { $0 + Double($1.states) * $1.length } / 128
        #expect(abs(weighted - Localization.length(ipr: q.flatMap { $0 })) < 1e-12)
        #expect(rows.allSatisfy { $0.states > 0 || $0.length.isNaN })
    }
}

@Suite struct DensityOfStatesTests {
    /// rho integrates to 1 (every level counted once per site), for any bin width.
    @Test(arguments: [0.05, 0.1, 0.37])
    func dosIntegratesToOne(width: Double) throws {
        let levels = try [solve(7, 6, realization: 0).values, solve(7, 6, realization: 1).values]
        let h = DensityOfStates.histogram(levels: levels, siteCount: 42, binWidth: width)
        #expect(h.counts.reduce(0, +) == 84)
        #expect(abs(h.integral - 1) < 1e-12)
    }

    /// Clean lattice, t1 = 1, t2 = 0.6: the band runs from -2.4 to 6.4, bandwidth 8.8.
    @Test func cleanBandwidth() throws {
        let levels = try solve(12, 12, w: 0).values
        #expect(abs(DensityOfStates.bandwidth(levels) - 8.8) < 1e-12)
    }

    /// Bins: edges on multiples of the width; the top edge belongs to the last bin.
    @Test func energyBins() {
        let b = EnergyBins(covering: -0.95, 1.0, width: 0.5)
        #expect(b.first == -2 && b.count == 4)
        #expect(b.index(of: -0.95) == 0)
        #expect(b.index(of: 1.0) == 3)
        #expect(b.index(of: 0.0) == 2)
        #expect(b.index(of: 1.2) == nil)
        #expect(DensityOfStates.atEnergy(0, levels: [-0.2, -0.05, 0.04, 0.3], siteCount: 2, width: 0.1) == 2 / (2 * 0.1))
    }
}

@Suite struct OverlapTests {
    /// chi is symmetric, chi_aa = IPR_a, and sum_c chi_ac = sum_i |phi_a(i)|^2 sum_c |phi_c(i)|^2
    /// = 1 over a complete set (completeness: sum_c |phi_c(i)|^2 = 1).
    @Test func chiIsSymmetricWithIPROnTheDiagonal() throws {
        let pairs = try solve(6, 7)
        let n = pairs.count
        let chi = Overlaps.chi(pairs)
        let ipr = Localization.ipr(pairs)
        for a in 0..<n {
            #expect(abs(chi[a + a * n] - ipr[a]) < 1e-14)
            var row = 0.0
            for c in 0..<n {
                #expect(chi[a + c * n] == chi[c + a * n])
                row += chi[a + c * n]
            }
            #expect(abs(row - 1) < 1e-12)
        }
        // A subset of states gives the same entries.
        let sub = Overlaps.chi(pairs, states: [3, 10, 17])
        #expect(abs(sub[1 + 2 * 3] - chi[10 + 17 * n]) < 1e-15)
    }

    @Test func maximumSiteIsTheLargestComponent() {
        let v: [Double] = [0.1, -0.7, 0.5, 0.5,   0.6, 0.0, -0.6, 0.1]
        let pairs = Eigenpairs(values: [0, 1], vectors: v, dimension: 4)
        #expect(OverlapDecay.maximumSites(pairs) == [1, 0])  // ties: the lowest site
    }

    /// All pairs a < c, each once; random pairs are distinct, reproducible and refuse too many.
    @Test func pairSelection() throws {
        var rng = SplitMix64(seed: 1)
        let all = try OverlapDecay.pairIndices(among: 7, choice: .all, rng: &rng)
        #expect(all.count == 21)
        #expect(Set(all.map { $0.0 * 7 + $0.1 }).count == 21)
        #expect(all.allSatisfy { $0.0 < $0.1 && $0.1 < 7 })
        var r1 = SplitMix64(seed: 9, stream: 2), r2 = SplitMix64(seed: 9, stream: 2)
        let a = try OverlapDecay.pairIndices(among: 50, choice: .random(300), rng: &r1)
        let b = try OverlapDecay.pairIndices(among: 50, choice: .random(300), rng: &r2)
        #expect(a.map { $0.0 * 50 + $0.1 } == b.map { $0.0 * 50 + $0.1 })
        #expect(Set(a.map { $0.0 * 50 + $0.1 }).count == 300)
        #expect(a.allSatisfy { $0.0 < $0.1 && $0.1 < 50 })
        var r3 = SplitMix64(seed: 1)
        let every = try OverlapDecay.pairIndices(among: 7, choice: .random(21), rng: &r3)
        #expect(every.map { $0.0 * 7 + $0.1 } == all.map { $0.0 * 7 + $0.1 })
        #expect(throws: ObservablesError.self) { try OverlapDecay.pairIndices(among: 7, choice: .random(22), rng: &r3) }
    }

    /// Synthetic pairs at distances d_k - 0.5, d_k, d_k + 0.5 with chi = A exp(-d / lambda)
    /// exactly: the bin means are A exp(-d_k / lambda) (1 + 2 cosh(0.5 / lambda)) / 3, so the fit
    /// must return lambda and that intercept to rounding.
    @Test func decayFitRecoversAKnownExponential() throws {
        let lambda = 6.7, amplitude = 0.02
        let bins = OverlapDecay.DistanceBins.paper
        var pairs = [OverlapDecay.Pair]()
        for d in bins.centers {
            for x in [d - 0.5, d, d + 0.5] {
                pairs.append(.init(a: 0, c: 1, distance: x, chi: amplitude * exp(-x / lambda)))
            }
            pairs.append(.init(a: 0, c: 1, distance: d + 2, chi: 1))  // outside every bin: ignored
        }
        let sums = OverlapDecay.binSums(pairs, bins: bins)
        #expect(sums.counts == [3, 3, 3, 3, 3])
        let fit = try #require(OverlapDecay.fit(means: sums.means, bins: bins))
        #expect(abs(fit.decayLength - lambda) < 1e-10)
        #expect(abs(fit.intercept - log(amplitude * (1 + 2 * cosh(0.5 / lambda)) / 3)) < 1e-12)
        #expect(OverlapDecay.fit(means: [.nan, 0.1, .nan, .nan, .nan], bins: bins) == nil)
        #expect(throws: ObservablesError.self) { try OverlapDecay.DistanceBins(centers: [7, 8], halfWidth: 0.6) }
    }

    /// Bootstrap over realizations of a statistic with no spread has zero error; a spread gives
    /// the textbook standard error of the mean to within the bootstrap's noise.
    @Test func bootstrapError() {
        #expect(Statistics.bootstrapError([2.0, 2.0, 2.0], statistic: Statistics.mean) == 0)
        let x = (0..<40).map { Double($0 % 7) }
        let boot = Statistics.bootstrapError(x, resamples: 4000, statistic: Statistics.mean)
        let se = Statistics.standardDeviation(x) * (Double(x.count - 1) / Double(x.count)).squareRoot() / Double(x.count).squareRoot()
        #expect(abs(boot - se) < 0.1 * se)
    }
}
