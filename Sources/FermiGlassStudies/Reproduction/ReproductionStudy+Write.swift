import FermiGlassIO
import FermiGlassSolvers

extension ReproductionStudy {
    /// Writes every computation of `result` into its own sub-directory of `run`'s output, with
    /// its own summary.json (command, status, body, memory plan, provenance) as its command would
    /// write it: localization/, localization-fig1-states/, fig1/, fig1-short-bins/, the Fig. 2
    /// runs' directories and fig3/.
    public func write(_ result: Output, to run: StudyRun) throws {
        let out = run.output!
        let sites = plan.sites
        func sub(_ dir: String, _ command: String, _ report: StudyReport, _ memory: MemoryEstimate) throws {
            for file in report.files { try out.write(StudyFile(path: dir + "/" + file.path, contents: file.contents)) }
            try run.writeSummary(report.summary, command: command, to: dir + "/summary.json", plan: memory)
        }
        func solvePlan(_ request: EigenRequest) -> MemoryEstimate { MemoryPlan.estimate(sites: sites, request: request) }
        try sub("localization", "localization", localization.report(result.localization), solvePlan(localization.request))
        try sub("localization-fig1-states", "localization", fig1States.report(result.fig1States), solvePlan(fig1States.request))
        try sub("fig1", "matrix-elements", fig1.report(result.fig1), solvePlan(fig1.request))
        try sub("fig1-short-bins", "matrix-elements", fig1ShortBins.report(result.fig1ShortBins), solvePlan(fig1ShortBins.request))
        for (run2, report) in zip(fig2, result.fig2) {
            try report.write(to: out, under: run2.directory + "/")
            let s = run2.study
            try run.writeSummary(report.summary, command: "ground-state", to: run2.directory + "/summary.json",
                                 plan: s.study.memoryPlan(lattice: s.spec.lattice, filling: s.spec.filling!, interactions: s.interactions.count))
        }
        try sub("fig3", "dos", fig3.report(result.fig3), try fig3.memoryPlan())
    }
}
