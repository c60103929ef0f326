import FermiGlass
import Foundation
import FermiGlassTestSupport
import Testing

/// The interacting studies and the paper comparison through their Swift API, on small lattices,
/// against the properties the command tests check (issue 16).
@Suite struct InteractingStudiesAPITests {
    static func spec(size: Int, particles: Int, realizations: Int) throws -> ModelSpec {
        let lattice = try Lattice(lx: size, ly: size, boundary: .periodic)
        return try ModelSpec(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                             filling: try Filling(particles: particles, siteCount: lattice.siteCount), seed: 1,
                             realizations: Array(0..<realizations))
    }

    /// Ground state on 10 x 10 (two realizations, U = 0.8 and -0.8): the default minimizer never
    /// ends above the paper's Monte Carlo, an attractive U polarizes nothing (two-sided census 0),
    /// the per-U aggregate is the mean of the records, and a unit computed twice is the same.
    @Test func groundStateStudy() throws {
        var settings = GroundStateStudy.Settings()
        settings.window = .levels(8)
        settings.proposals = 3000
        let study = GroundStateRealizations(study: GroundStateStudy(settings: settings),
                                            spec: try Self.spec(size: 10, particles: 84, realizations: 2), interactions: [0.8, -0.8])
        let records = try StudyRunner().records(of: study)
        #expect(records.map(\.realization) == [0, 1])
        for d in records {
            for run in d.runs { #expect(run.result.energy <= run.paperEnergy! + 1e-9 * abs(run.paperEnergy!)) }
            #expect(d.runs[1].census.twoSided == 0)
        }
        let report = try study.aggregate(records)
        #expect(report.aggregates.map(\.U) == [0.8, -0.8])
        let polarized = records.map { Double($0.runs[0].observables.polarized) }
        #expect(report.aggregates[0].polarizedMean == polarized.reduce(0, +) / 2)
        #expect(report.tables.map(\.0) == ["polarized.csv", "occupation_by_level.csv", "occupation_vs_xi.csv", "fig2b.csv"])
        #expect(report.tables[0].1.rows.count == 4)
        let again = try study.record(for: 1)
        #expect(again.runs.map(\.result.occupations) == records[1].runs.map(\.result.occupations))
    }

    /// Hartree-Fock on 8 x 8 over U = 0.5, 3: every U converges, the variational energy agrees with
    /// the eigenvalue form, the moments are n_up - n_dn, and U = 3 starts from U = 0.5's solution.
    @Test(.slow, .tags(.slow)) func hartreeFockStudy() throws {
        var options = HartreeFockOptions(U: 0.5, mode: .free)
        options.starts = 1
        options.susceptibilityStarts = 0
        let study = HartreeFockStudy(spec: try Self.spec(size: 8, particles: 54, realizations: 1), interactions: [0.5, 3], options: options)
        let report = study.aggregate(try StudyRunner().records(of: study))
        #expect(report.unconverged == 0 && report.firstFailure == nil)
        let points = report.records[0].points
        #expect(points.map(\.folder) == ["r000/U0.5", "r000/U3.0"])
        for p in points {
            #expect(p.converged)
            #expect(abs(p.entry["energy_check_difference"]?.doubleValue ?? 1) < 1e-6)
            #expect(zip(p.moments, zip(p.densityUp, p.densityDown)).allSatisfy { abs($0 - ($1.0 - $1.1)) < 1e-15 })
            #expect(p.moments.count == 64)
        }
        let runs = points[1].entry["runs"]?.arrayValue ?? []
        #expect(runs.contains { $0["start"]?.intValue == -1 }, "U = 3 is warm-started from U = 0.5 (start -1)")
        #expect(report.table.rows.count == 2)
    }

    /// The Stoner criterion on the paramagnetic HF solution: lambda_max of Pi is positive and
    /// U lambda_max is reported as such.
    @Test func linearStabilityStudy() throws {
        let hf = HartreeFockStudy(spec: try Self.spec(size: 8, particles: 54, realizations: 1), interactions: [0.5],
                                  options: HartreeFockOptions(U: 0.5, mode: .paramagnetic))
        var study = LinearStabilityStudy(hartreeFock: hf)
        study.window = 10
        let records = try StudyRunner().records(of: study)
        let p = try #require(records.first?.points.first)
        #expect(p.converged)
        let lambda = try #require(p.piEigenvalues.first)
        #expect(lambda > 0)
        #expect(abs((p.entry["U_lambda_max"]?.doubleValue ?? 0) - 0.5 * lambda) < 1e-12)
        #expect(p.leadingVector.count == 64)
    }

    /// The agreement rule of the paper comparison: within 2 sigma plus half a unit of the last
    /// quoted digit, never for a failed fit.
    @Test func paperReferenceAgreementRule() {
        let ref = PaperReference.lauNg2024
        let l = ref.localizationLengthAllStates
        #expect(l.value == 7.65 && l.roundingTolerance == 0.005 && l.text == "~ 7.65")
        #expect(ref.agrees(7.654, error: 0, with: l))
        #expect(!ref.agrees(7.66, error: 0, with: l))
        #expect(ref.agrees(7.67, error: 0.01, with: l))
        #expect(!ref.agrees(7.70, error: 0.01, with: l))
        #expect(ref.agrees(7.65, error: .nan, with: l))
        #expect(!ref.agrees(.nan, error: 1, with: l))
        #expect(ref.fasterThanLinear(excess: 2.1, error: 1) && !ref.fasterThanLinear(excess: 2, error: 1))
    }

    /// The quick plan keeps the paper's fractions of the spectrum: levels 1600..2000 of 3600 and
    /// the levels:100 window scale with the sites.
    @Test func reproductionPlanScalesThePaperLevels() {
        let full = ReproductionPlan.full, quick = ReproductionPlan.quick
        #expect(full.fig1States == 1600..<2000 && full.window == 100)
        #expect(quick.fig1States == 711..<889 && quick.window == 44)
        #expect(ReproductionPlan.bins(size: 40) == [7, 12, 17])
        #expect(ReproductionPlan.bins(size: 16) == [2, 4, 6, 8])
    }
}
