import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass reproduce`: the paper's Figs. 1, 2(a), 2(b) and 3 and every number it quotes, in
/// one command, with a REPORT.md that sets ours beside the paper's (``PaperReference``).
///
/// One ``ReproductionStudy`` composes the studies in process; a unit is one realization across
/// every study that uses it, so its W = 9 Hamiltonian is diagonalized once (``EigenCache``),
/// and `--jobs N` runs N realizations at once in worker processes. Each computation writes its
/// own sub-directory with its own summary.json, as its command would.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce Lau & Ng's Figs. 1-3 and compare with the paper's numbers (REPORT.md).",
        discussion: """
            Full: 60x60, W = 9, t1 = +1, t2 = +0.6, 3000 particles; L_loc and Fig. 2 over 15 \
            realizations, Fig. 1 over realizations 0-4 (levels 1600..1999), Fig. 3 for \
            W = 0, 3, 6, 9, 12. --quick: 40x40 and fewer realizations (about a minute), the \
            same pipeline. Writes one sub-directory per computation, fig1.png, fig2.png, \
            fig3.png and REPORT.md.
            """)

    @Flag(help: "A smaller lattice and fewer realizations (the README's main job).")
    var quick: Bool = false

    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Disorder seed (default 1).")
    var seed: UInt64 = 1

    @Option(help: .hidden) var size: Int?
    @Option(help: .hidden) var realizations: Int?
    @Option(help: .hidden) var proposals: Int?

    func run() throws {
        if let l = size, l < 12 { throw ValidationError("--size must be at least 12 for the paper's figures, got \(l)") }
        if let r = realizations, r < 2 { throw ValidationError("--realizations must be at least 2 (error bars), got \(r)") }
        if let p = proposals, p <= 0 { throw ValidationError("--proposals must be positive, got \(p)") }
        let plan = (quick ? ReproductionPlan.quick : .full).adjusted(size: size, realizations: realizations, proposals: proposals)
        // Everything is written into a staging directory that replaces --output when the whole
        // reproduction has completed.
        let ctx = try RunContext(command: "reproduce", options: io, plan: nil)
        let cache = EigenCache(capacityBytes: min(6 << 30, StudyRunner.memoryPerJob(jobs: io.jobs) / 3))
        let study = try ReproductionStudy(plan: plan, seed: seed, cache: cache)
        try ctx.run {
            let result = try study.aggregate(ctx.records(of: study))
            try study.write(result, to: ctx)
            let out = ctx.output!
            func path(_ name: String) -> String { out.file(name).path }
            ctx.note("figures")
            Figures.render("plot_decay.py", [path("fig1"), "--output", path("fig1.png")])
            Figures.render("plot_ground_state.py", [path(study.fig2[0].directory), "--out", path("fig2.png")])
            Figures.render("plot_dos.py", [path("fig3") + "/dos.csv", "--output", path("fig3.png")])

            let report = ReproductionReport(result.measurements(study), plan: plan, cacheHits: result.cacheHits,
                                            seconds: Date().timeIntervalSince(ctx.started), threads: io.threads, seed: seed)
            try out.write(text: report.markdown, to: "REPORT.md")
            try out.write(json: report.json, to: "summary.json")
        }
        ctx.note("done: \(URL(fileURLWithPath: io.output).appendingPathComponent("REPORT.md").path)")
    }
}
