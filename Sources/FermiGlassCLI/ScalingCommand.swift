import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassStudies
import Foundation

/// `fermiglass scaling RESULTS`: the finite-size-scaling view of a sweep.
struct ScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Moment density against 1/L_loc^2 and system size, from a sweep's results.",
        discussion: """
            RESULTS is a sweep (or merged) directory. For each (size, W, filling, U) the density of \
            polarized states per site is averaged over realizations (standard error = sd/sqrt(R)) \
            and written to scaling.csv with L_loc; scaling.png plots it against 1/L_loc^2 and \
            against the number of sites.
            """)

    @Argument(help: "A sweep or merged-sweep directory (with results.jsonl).")
    var results: String

    @OptionGroup var io: RunOptions

    func run() throws {
        let lines = URL(fileURLWithPath: results).appendingPathComponent("results.jsonl")
        guard let text = try? String(contentsOf: lines, encoding: .utf8) else {
            throw ValidationError("\(results) holds no results.jsonl: give a directory written by `fermiglass sweep` or `fermiglass merge`")
        }
        let records: [JSON]
        do { records = try text.split(separator: "\n").map { try JSON.parse(String($0)) } } catch {
            throw ValidationError("\(lines.path) is not valid JSON lines: \(commandLineMessage(error))")
        }
        let points: [FiniteSizeScaling.Point]
        do { points = try FiniteSizeScaling.points(records: records) } catch let e as SweepError {
            throw ValidationError(commandLineMessage(e))
        }
        guard !points.isEmpty else { throw ValidationError("\(results) has no finished units yet") }
        let ctx = try RunContext(command: "scaling", options: io, plan: nil)
        try ctx.run {
            try ctx.output.write(csv: FiniteSizeScaling.table(points), to: "scaling.csv")
            try ctx.writeSummary([
                ("results", .string(results)),
                ("points", .array(points.map { p in
                    .object([("Lx", .int(p.lx)), ("Ly", .int(p.ly)), ("W", .number(p.disorderStrength)), ("filling", .number(p.filling)),
                             ("U", .number(p.interaction)), ("realizations", .int(p.realizations)),
                             ("moment_density", .number(p.momentDensity)), ("moment_density_stderr", .number(p.momentDensityStderr)),
                             ("L_loc", .number(p.localizationLength)), ("L_loc_stderr", .number(p.localizationLengthStderr)),
                             ("L_loc_states", .string(p.localizationStates))])
                })),
            ])
            Figures.render("plot_scaling_fss.py", [ctx.output.file("scaling.csv").path, ctx.output.file("scaling.png").path])
        }
    }
}
