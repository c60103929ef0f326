import FermiGlassModel
import FermiGlassSolvers

extension SweepConfig {
    /// Checks every (size, filling) of the sweep before the first unit runs, so that a bad
    /// configuration is refused with nothing computed: the window of the size's method fits
    /// the lattice (`levels:K` needs levels N/2-K ..< N/2+K inside 0 ..< sites) and the
    /// memory plan of one unit (``GroundStateStudy/memoryPlan(lattice:filling:interactions:)``)
    /// fits the memory available. Returns the largest plan.
    @discardableResult
    public func checkUnits() throws -> MemoryEstimate {
        var largest = MemoryEstimate()
        for size in sizes {
            let method = method(for: size)
            let lattice = try Lattice(lx: size.lx, ly: size.ly, boundary: boundary)
            let study = SweepMeasurements.study(method, seed: seed)
            for f in fillings {
                let filling = try Filling(filling: f, siteCount: lattice.siteCount)
                if case .levels(let k) = study.settings.window {
                    let lo = filling.fermiIndex - k, hi = filling.fermiIndex + k
                    guard lo >= 0, hi <= lattice.siteCount else {
                        throw SweepError.invalidConfig("size \(size.label), filling \(f): window \(method.windowText) needs levels \(lo)..<\(hi), outside the \(lattice.siteCount) levels 0..<\(lattice.siteCount) of a \(size.label) lattice")
                    }
                }
                let plan = study.memoryPlan(lattice: lattice, filling: filling, interactions: interactions.count)
                do { try plan.check("size \(size.label) (solver \(method.solver.rawValue))", sparseAlternative: true) } catch let e as SolverError {
                    throw SweepError.invalidConfig(e.message)
                }
                if plan.total > largest.total { largest = plan }
            }
        }
        return largest
    }
}
