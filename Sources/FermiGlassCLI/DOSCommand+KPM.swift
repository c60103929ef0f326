import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// `dos --method`: the exact levels or the kernel polynomial method.
enum DOSMethod: String, ExpressibleByArgument, CaseIterable {
    case exact, kpm
}

/// `dos --kernel`: the damping kernel of the kernel polynomial method.
enum KPMKernelChoice: String, ExpressibleByArgument, CaseIterable {
    case jackson, lorentz

    /// Lorentz with lambda = 4.
    var kernel: KPMKernel { self == .lorentz ? .lorentz(lambda: 4) : .jackson }
}

/// `dos --method kpm`: the options; the physics is ``KPMDOSStudy``.
struct KPMOptions: ParsableArguments {
    @Option(help: "exact (histogram of the exact levels, default) or kpm (kernel polynomial method, matrix-free).")
    var method: DOSMethod = .exact

    @Option(help: ArgumentHelp("Chebyshev moments M (kpm; default 1000). Resolution ~ pi a / M, a the spectral half width.", valueName: "M"))
    var moments: Int?

    @Option(help: ArgumentHelp("Random vectors R per realization (kpm; default 10); the error bar is their spread.", valueName: "R"))
    var vectors: Int?

    @Option(help: "Damping kernel (kpm): jackson (default) or lorentz (lambda = 4).")
    var kernel: KPMKernelChoice?

    @Option(help: ArgumentHelp("Exact local DOS at these sites (kpm), comma-separated site indices i = x + Lx y.", valueName: "i,j,..."))
    var ldos: String?

    @Option(help: "Random vectors per block product (kpm; memory 2 x sites x block doubles).")
    var kpmBlock: Int = 8

    /// The LDOS sites, parsed (validate() has checked the syntax).
    var ldosSites: [Int] { ldos.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } } ?? [] }

    func validate(energies: String?, solver: SolverChoice?) throws {
        if method == .exact {
            if moments != nil || vectors != nil || kernel != nil || ldos != nil {
                throw ValidationError("--moments, --vectors, --kernel and --ldos need --method kpm")
            }
            return
        }
        if let m = moments, m < 2 { throw ValidationError("--moments must be at least 2, got \(m)") }
        if let r = vectors, r < 1 { throw ValidationError("--vectors must be at least 1, got \(r)") }
        guard kpmBlock >= 1 else { throw ValidationError("--kpm-block must be positive, got \(kpmBlock)") }
        if let l = ldos {
            for part in l.split(separator: ",", omittingEmptySubsequences: false) {
                guard let i = Int(part.trimmingCharacters(in: .whitespaces)), i >= 0 else {
                    throw ValidationError("--ldos: '\(part)' is not a site index (a non-negative integer)")
                }
            }
        }
        if energies != nil { throw ValidationError("--energies selects exact levels; --method kpm covers the whole band") }
        if solver != nil { throw ValidationError("--solver applies to --method exact; --method kpm needs no eigensolver") }
    }
}

extension DOSCommand {
    func runKPM(base: ModelSpec, ws: [Double]) throws {
        let n = base.lattice.siteCount
        let sites = kpm.ldosSites
        if let bad = sites.first(where: { $0 >= n }) {
            throw ValidationError("--ldos: site \(bad) is out of range 0..<\(n) for the \(base.lattice.lx)x\(base.lattice.ly) lattice")
        }
        let options = KPMDensityOfStates.Options(moments: kpm.moments ?? 1000, vectors: kpm.vectors ?? 10,
                                                 kernel: (kpm.kernel ?? .jackson).kernel, seed: base.seed, blockSize: kpm.kpmBlock,
                                                 threads: io.threads)
        let study = KPMDOSStudy(spec: base, disorderStrengths: ws, options: options, ldosSites: sites, gridSpacing: binWidth)
        let ctx = try RunContext(command: "dos", options: io, plan: study.memoryPlan)
        try ctx.run(study) { try study.report($0, saveDisorder: model.saveDisorder) }
    }
}
