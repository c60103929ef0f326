import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass reproduce`: the paper's Figs. 1, 2(a), 2(b) and 3 and every number it quotes, in
/// one command, with a REPORT.md that sets ours beside the paper's.
///
/// The run is a composition of the ordinary commands (`localization`, `matrix-elements`,
/// `ground-state`, `dos`), each writing its own sub-directory with its own summary.json, so
/// every number in the report can be regenerated alone. The W = 9 realizations are diagonalized
/// once: the ``EigenCache`` serves every later request for the same Hamiltonian.
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

    @Option(help: "Directory for the data, figures and REPORT.md.")
    var output: String

    @Flag(help: "Write into a non-empty --output directory.")
    var force: Bool = false

    @Option(help: "BLAS threads (recorded).")
    var threads: Int = 1

    @Flag(help: "No progress lines on standard error.")
    var quiet: Bool = false

    @Option(help: "Disorder seed (default 1).")
    var seed: UInt64 = 1

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    @Option(help: .hidden) var size: Int?
    @Option(help: .hidden) var realizations: Int?
    @Option(help: .hidden) var proposals: Int?

    /// The plan of a run: sizes, realizations and budgets. Level ranges scale with the number of
    /// sites so that they keep the paper's fractions of the spectrum (levels 1600..1999 and the
    /// levels:100 window of 3600).
    struct Plan {
        var size: Int
        var realizations: Int
        var fig1Realizations: Int
        var dosRealizations: Int
        var proposals: [Int]
        var bins: [Double]
        var name: String
        var us = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4]

        var sites: Int { size * size }
        var fig1States: Range<Int> {
            Int((1600.0 / 3600.0 * Double(sites)).rounded())..<Int((2000.0 / 3600.0 * Double(sites)).rounded())
        }
        var window: Int { max(2, Int((100.0 / 3600.0 * Double(sites)).rounded())) }
        /// The paper's bins d = 7, 12, ..., 27 that fit well inside the lattice: the largest
        /// minimum-image distance is L / sqrt(2), and the last bins of a small lattice sit on
        /// the 1/N floor of <chi>.
        static func bins(size: Int) -> [Double] {
            let paper = [7.0, 12, 17, 22, 27].filter { $0 <= 0.5 * Double(size) }
            return paper.count >= 3 ? paper : [2.0, 4, 6, 8, 10].filter { $0 <= 0.5 * Double(size) }
        }

        static let full = Plan(size: 60, realizations: 15, fig1Realizations: 5, dosRealizations: 5,
                               proposals: [100_000, 1_000_000], bins: [7, 12, 17, 22, 27], name: "full (the paper's parameters)")
        static let quick = Plan(size: 40, realizations: 6, fig1Realizations: 3, dosRealizations: 2,
                                proposals: [100_000], bins: bins(size: 40), name: "quick (40x40, fewer realizations)")
    }

    func run() throws {
        var plan = quick ? Plan.quick : Plan.full
        if let l = size {
            guard l >= 12 else { throw ValidationError("--size must be at least 12 for the paper's figures, got \(l)") }
            plan.size = l
            plan.bins = Plan.bins(size: l)
            plan.name += ", size \(l)x\(l)"
        }
        if let r = realizations {
            guard r >= 2 else { throw ValidationError("--realizations must be at least 2 (error bars), got \(r)") }
            plan.realizations = r
            plan.fig1Realizations = min(plan.fig1Realizations, r)
            plan.dosRealizations = min(plan.dosRealizations, r)
        }
        if let p = proposals {
            guard p > 0 else { throw ValidationError("--proposals must be positive, got \(p)") }
            plan.proposals = [p]
        }
        // Refuse a non-empty output before anything runs; everything is written into a staging
        // directory that replaces --output when the whole reproduction has completed.
        let out = try RunContext.openOutput(path: output, force: force, staged: true)
        let root = out.url
        let started = Date()
        BLASRuntime.setThreads(threads)
        let cache = EigenCache(capacityBytes: min(6 << 30, MemoryPlan.availableBytes / 3))
        RunContext.eigenCache = cache
        defer { RunContext.eigenCache = nil }
        let common = ["--preset", "paper", "--size", String(plan.size), "--seed", String(seed), "--threads", String(threads)] + (quiet ? ["--quiet"] : [])
        func sub(_ name: String) -> String { root.appendingPathComponent(name).path }
        func stage(_ s: String) { if quiet { return }; FileHandle.standardError.write(Data("[reproduce] \(s) (\(Int(Date().timeIntervalSince(started))) s)\n".utf8)) }
        var created = [String]()
        func runSub<C: ParsableCommand>(_ type: C.Type, _ dir: String, _ args: [String]) throws {
            var c = try type.parse(args + ["--output", sub(dir)] + (force ? ["--force"] : []))
            created.append(dir)
            try c.run()
        }
        do {
            stage("localization: all states, \(plan.realizations) realizations")
            try runSub(LocalizationCommand.self, "localization", common + ["--realizations", String(plan.realizations)])
            stage("localization: the Fig. 1 states \(plan.fig1States.lowerBound):\(plan.fig1States.upperBound)")
            try runSub(LocalizationCommand.self, "localization-fig1-states",
                       common + ["--realizations", String(plan.fig1Realizations), "--states", "\(plan.fig1States.lowerBound):\(plan.fig1States.upperBound)"])
            stage("Fig. 1: matrix elements against distance")
            try runSub(MatrixElementsCommand.self, "fig1",
                       common + ["--realizations", String(plan.fig1Realizations), "--states", "\(plan.fig1States.lowerBound):\(plan.fig1States.upperBound)",
                                 "--bins", plan.bins.map { JSON.format($0) }.joined(separator: ",")])
            let short = Array(plan.bins.prefix(2))
            stage("Fig. 1: the same pairs fitted on the two shortest bins \(short.map { JSON.format($0) }.joined(separator: ", "))")
            try runSub(MatrixElementsCommand.self, "fig1-short-bins",
                       common + ["--realizations", String(plan.fig1Realizations), "--states", "\(plan.fig1States.lowerBound):\(plan.fig1States.upperBound)",
                                 "--bins", short.map { JSON.format($0) }.joined(separator: ",")])
            let uList = plan.us.map { JSON.format($0) }.joined(separator: ",")
            for p in plan.proposals {
                stage("Fig. 2: paper Monte Carlo, \(p) proposals")
                try runSub(GroundStateCommand.self, "fig2-paper-P\(p)",
                           common + ["--realizations", String(plan.realizations), "--U", uList, "--algorithm", "paper",
                                     "--proposals", String(p), "--window", "levels:\(plan.window)", "--eigen", "full"])
            }
            stage("Fig. 2: default minimizer (converged)")
            try runSub(GroundStateCommand.self, "fig2-default",
                       common + ["--realizations", String(plan.realizations), "--U", uList, "--algorithm", "default",
                                 "--proposals", String(plan.proposals[0]), "--window", "levels:\(plan.window)", "--eigen", "full"])
            stage("Fig. 3: density of states for W = 0, 3, 6, 9, 12")
            try runSub(DOSCommand.self, "fig3", common + ["--W", "0,3,6,9,12", "--realizations", String(plan.dosRealizations)])

            stage("figures")
            Figures.render("plot_decay.py", [sub("fig1"), "--output", sub("fig1.png")])
            Figures.render("plot_ground_state.py", [sub("fig2-paper-P\(plan.proposals[0])"), "--out", sub("fig2.png")])
            Figures.render("plot_dos.py", [sub("fig3") + "/dos.csv", "--output", sub("fig3.png")])

            stage("REPORT.md")
            let report = try PaperReport(root: root, plan: plan, cacheHits: cache.hits,
                                         seconds: Date().timeIntervalSince(started), threads: threads, seed: seed)
            try out.write(text: report.markdown, to: "REPORT.md")
            try out.write(json: report.json, to: "summary.json")
            try out.commit()
            stage("done: \(out.destination.appendingPathComponent("REPORT.md").path)")
        } catch let e as ValidationError {
            throw e
        } catch {
            for d in created { try? FileManager.default.removeItem(at: root.appendingPathComponent(d)) }
            out.abandon()
            FileHandle.standardError.write(Data("error: \(commandLineMessage(error))\n".utf8))
            throw ExitCode(1)
        }
    }
}
