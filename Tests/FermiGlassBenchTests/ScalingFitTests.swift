import FermiGlass
import FermiGlassBench
import Foundation
import Testing

/// The benchmark harness's arithmetic and file formats; nothing here is timed.
@Suite struct ScalingFitTests {
    @Test func powerLawFitRecoversAKnownExponentAndPrefactor() throws {
        let sizes = [100.0, 400, 900, 1600, 3600]
        let times = sizes.map { 2.5e-9 * pow($0, 3) }
        let fit = try #require(PowerLawFit.fit(sizes: sizes, times: times))
        #expect(abs(fit.exponent - 3) < 1e-12)
        #expect(abs(fit.prefactor / 2.5e-9 - 1) < 1e-10)
        #expect(fit.points == 5)
        #expect(abs(fit.predict(10_000) / (2.5e-9 * 1e12) - 1) < 1e-10)
    }

    @Test func powerLawFitAveragesSymmetricNoiseAndSkipsMissingTimes() throws {
        // Factors e^{+d} and e^{-d} alternate on pairs of equal size: the least-squares slope
        // through the pair means is exactly the underlying 1.5.
        let sizes = [64.0, 64, 256, 256, 1024, 1024, 4096]
        let noise = [exp(0.2), exp(-0.2), exp(0.2), exp(-0.2), exp(0.2), exp(-0.2), 1]
        var times = zip(sizes, noise).map { 1e-6 * pow($0.0, 1.5) * $0.1 }
        times.append(0)  // a phase that did not run at this size
        let fit = try #require(PowerLawFit.fit(sizes: sizes + [16384], times: times))
        #expect(abs(fit.exponent - 1.5) < 1e-12)
        #expect(fit.points == 7)
    }

    @Test func powerLawFitNeedsTwoDistinctSizes() {
        #expect(PowerLawFit.fit(sizes: [100], times: [1]) == nil)
        #expect(PowerLawFit.fit(sizes: [100, 100], times: [1, 2]) == nil)
        #expect(PowerLawFit.fit(sizes: [100, 200], times: [1, 0]) == nil)
    }

    @Test func crossoverOfTwoPowerLaws() throws {
        // dense 1e-9 N^3, sparse 1e-6 N^1.5: they meet at N* = (1e3)^(1/1.5) = 100.
        let sizes = [25, 64, 144, 400]
        let dense = Dictionary(uniqueKeysWithValues: sizes.map { ($0, 1e-9 * pow(Double($0), 3)) })
        let sparse = Dictionary(uniqueKeysWithValues: (sizes + [10_000]).map { ($0, 1e-6 * pow(Double($0), 1.5)) })
        let c = Crossover.find(dense: dense, sparse: sparse)
        #expect(c.lastDenseWin == 64)
        #expect(c.firstSparseWin == 144)
        let n = try #require(c.fittedSites)
        #expect(abs(n - 100) < 1e-9)
    }

    @Test func crossoverWhenOnePathWinsEverywhere() {
        let c = Crossover.find(dense: [10: 1, 20: 2], sparse: [10: 5, 20: 6])
        #expect(c.lastDenseWin == 20)
        #expect(c.firstSparseWin == nil)
        let s = Crossover.find(dense: [10: 5, 20: 6], sparse: [10: 1, 20: 2])
        #expect(s.lastDenseWin == nil)
        #expect(s.firstSparseWin == 10)
    }

    @Test func timingSummaryOrderStatistics() {
        let odd = TimingSummary([3, 1, 2])
        #expect(odd.min == 1 && odd.median == 2 && odd.max == 3 && odd.repeats == 3)
        #expect(TimingSummary([4, 1, 3, 2]).median == 2.5)
    }

    @Test func chiWindowIsCentredOnTheFermiIndexAndClipped() {
        let bench = PipelineBench(chiStates: 200)
        // 60 x 60 at filling 5/6: 3000 particles, Fermi index 1500 -> levels 1400..<1600.
        #expect(bench.chiWindow(sites: 3600) == 1400..<1600)
        // Fewer sites than the window: every state.
        #expect(bench.chiWindow(sites: 100) == 0..<100)
    }
}
