#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

// MARK: - Convergence: outcomes, the mixing loop, the final diagonalization

extension HartreeFock.Problem {
    struct Outcome {
        var x: [Double]
        var energy: Double
        var iterations: Int
        var residual: Double
        var energyChange: Double
        var nUp: Int
        var nDown: Int
        /// Paramagnetic maximum overlap: the occupied orbitals of the last step (the reference
        /// for the final diagonalization).
        var reference: [Double]? = nil
        /// See ``Trace/energies``.
        var energies: [Double] = []
    }

    /// Whether this problem fills orbitals by maximum overlap.
    var usesOverlap: Bool {
        options.occupation == .maximumOverlap && (options.mode == .paramagnetic || options.spinUp != nil)
    }

    /// What a T = 0 iteration leaves behind when it fails: the last spin split, and the
    /// input densities with the smallest residual seen with their split.
    struct Trace {
        var lastUp: Int
        var bestX: [Double]
        var bestUp: Int
        var bestResidual = Double.infinity
        /// The energy of every iteration: with optimal damping that of the damped (mixed)
        /// state, non-increasing; otherwise that of the output determinant.
        var energies: [Double] = []
    }

    struct Unconverged: Error {
        var error: HartreeFockError
        var trace: Trace
    }

    /// ``iterate`` that also reports the last spin split and the best densities when it fails.
    /// `startKinetic`: with optimal damping or energy-DIIS, tr(H0 D) of a determinant whose
    /// diagonal densities are `x0` (the descent then starts from that state, not from the
    /// output determinant of x0; used when following an unstable mode).
    func attempt(_ x0: [Double], startKinetic: Double? = nil, progress: ((String) -> Void)?) -> Result<Outcome, Unconverged> {
        var trace = Trace(lastUp: particles / 2, bestX: x0, bestUp: particles / 2)
        do {
            return .success(try iterate(x0, startKinetic: startKinetic, progress: progress, trace: &trace))
        } catch let e as HartreeFockError {
            return .failure(Unconverged(error: e, trace: trace))
        } catch {
            let message: Message = (error as? ParameterAdvising)?.message ?? "\(error)"
            return .failure(Unconverged(error: .invalidArgument(message), trace: trace))
        }
    }

    /// The self-consistency loop from input densities x0.
    func iterate(_ x0: [Double], temperature: Double = 0, progress: ((String) -> Void)?) throws -> Outcome {
        var trace = Trace(lastUp: 0, bestX: x0, bestUp: 0)
        return try iterate(x0, temperature: temperature, progress: progress, trace: &trace)
    }

    func iterate(_ x0: [Double], temperature: Double = 0, startKinetic: Double? = nil, progress: ((String) -> Void)?,
                 trace: inout Trace) throws -> Outcome {
        // Thermal stages: linear mixing, except after energy-descent mixings (whose beta is 1,
        // no mixing at all), which anneal with the default Anderson mixing.
        let thermalMixing: HartreeFockOptions.Mixing = options.mixing.descendsEnergy
            ? .anderson(history: 8, beta: 0.5) : .linear(beta: options.mixing.beta)
        var mixer = AndersonMixer(mixing: temperature > 0 ? thermalMixing : options.mixing)
        let maxIterations = temperature > 0 ? options.annealingIterations : options.maxIterations
        var x = x0
        var previousEnergy = Double.nan
        var residual = Double.infinity, energyChange = Double.infinity
        var reference: [Double]? = nil
        var residuals: [Double] = []
        // Optimal damping: K = tr(H0 D) of the current (mixed) state, nil before the first
        // step (the start x0 is a density, not a state: the first step takes lambda = 1).
        // Below ``HartreeFockOptions/handover`` Anderson mixing takes over (with a
        // fresh history; back to damping, from the output determinant, if the residual rises
        // above it again).
        let damped = options.mixing.descendsEnergy && temperature == 0 && !usesOverlap
        var kinetic: Double? = damped ? startKinetic : nil
        // Energy-DIIS: the states so far (cleared, like the kinetic energy, when damping resumes).
        func freshHistory() -> EnergyDIIS.History? {
            if case .energyDIIS(let m) = options.mixing { return EnergyDIIS.History(capacity: m) }
            return nil
        }
        var ediis = freshHistory()
        var handedOver = false
        trace.energies = []
        for it in 1...maxIterations {
            let s = try step(x, all: false, temperature: temperature, reference: reference)
            if usesOverlap && temperature == 0 {
                reference = Array(s.up.vectors[0..<(n * s.nUp)]) + (s.down.map { Array($0.vectors[0..<(n * s.nDown)]) } ?? [])
            }
            var f = [Double](repeating: 0, count: x.count)
            residual = 0
            for k in 0..<x.count { f[k] = s.output[k] - x[k]; residual = max(residual, abs(f[k])) }
            if temperature == 0 {
                trace.lastUp = s.nUp
                if residual < trace.bestResidual { trace.bestResidual = residual; trace.bestX = x; trace.bestUp = s.nUp }
            }
            residuals.append(residual)
            var next: [Double]? = nil
            var energy = s.energy
            if damped && residual > options.handover {
                if handedOver {
                    handedOver = false; kinetic = nil; ediis = freshHistory()
                }
                let step = ediis == nil
                    ? dampedStep(x: x, output: s.output, outputEnergy: s.energy, kinetic: kinetic)
                    : energyDIISStep(x: x, output: s.output, outputEnergy: s.energy, kinetic: kinetic, history: &ediis!)
                next = step.x
                kinetic = step.kinetic
                energy = step.energy
            } else if damped && !handedOver {
                handedOver = true
                mixer = AndersonMixer(mixing: .optimalDamping)
            }
            trace.energies.append(energy)
            energyChange = previousEnergy.isNaN ? .infinity : abs(energy - previousEnergy)
            previousEnergy = energy
            if let p = progress {  // every iteration: at 60x60 one takes 10-30 s
                p("iteration \(it): residual \(residual), energy \(energy)")
            }
            if temperature > 0 && residual <= options.annealingTolerance {
                return Outcome(x: x, energy: .nan, iterations: it, residual: residual, energyChange: .nan, nUp: 0, nDown: 0)
            }
            if temperature == 0 && residual <= options.densityTolerance && energyChange <= options.energyTolerance {
                return Outcome(x: x, energy: s.energy, iterations: it, residual: residual,
                               energyChange: energyChange, nUp: s.nUp, nDown: s.nDown, reference: reference,
                               energies: trace.energies)
            }
            if temperature == 0 && stopWhenStalled && AufbauStall.isStalled(residuals) {
                progress?("iteration \(it): the aufbau has stalled (residual \(residual), best \(trace.bestResidual)); falling back")
                throw HartreeFockError.notConverged(iterations: it, densityResidual: residual, energyChange: energyChange,
                                                    mixing: options.mixing.description, U: options.U)
            }
            x = next ?? mixer.next(x: x, f: f)
            if temperature == 0, let save = snapshot {
                let up = Array(x[0..<n]), down = options.mode == .paramagnetic ? up : Array(x[n..<(2 * n)])
                save(HartreeFockSnapshot(up: up, down: down, iteration: it, residual: residual, energy: energy))
            }
        }
        if temperature > 0 {
            return Outcome(x: x, energy: .nan, iterations: maxIterations, residual: residual, energyChange: .nan, nUp: 0, nDown: 0)
        }
        throw HartreeFockError.notConverged(iterations: options.maxIterations, densityResidual: residual,
                                            energyChange: energyChange, mixing: options.mixing.description, U: options.U)
    }

    /// One optimal-damping step (``HartreeFockOptions/Mixing/optimalDamping``) from the state
    /// with diagonal `x` and kinetic energy `kinetic` (nil: x is only a start, take the
    /// output determinant) towards the output determinant with diagonal `output` and
    /// variational energy `outputEnergy`. Returns the new state and its energy.
    func dampedStep(x: [Double], output: [Double], outputEnergy: Double, kinetic: Double?)
        -> (x: [Double], kinetic: Double, energy: Double)
    {
        let u = options.U
        // E(x, K) = K + U sum n_up n_dn (paramagnetic: x is per spin, K both spins, U sum x^2).
        func interaction(_ y: [Double]) -> Double { interactionForm(y, y) }
        let outputKinetic = outputEnergy - interaction(output)
        guard let k = kinetic else { return (output, outputKinetic, outputEnergy) }
        var c1 = outputKinetic - k, c2 = 0.0
        if options.mode == .paramagnetic {
            for i in 0..<n { let d = output[i] - x[i]; c1 += 2 * u * x[i] * d; c2 += u * d * d }
        } else {
            for i in 0..<n {
                let du = output[i] - x[i], dd = output[n + i] - x[n + i]
                c1 += u * (x[i] * dd + du * x[n + i]); c2 += u * du * dd
            }
        }
        // Minimise c1 l + c2 l^2 on [0, 1].
        var lambda: Double
        if c2 > 0 { lambda = min(1, max(0, -c1 / (2 * c2))) } else { lambda = c1 + c2 < 0 ? 1 : 0 }
        let y = zip(x, output).map { $0 + lambda * ($1 - $0) }
        let newKinetic = k + lambda * (outputKinetic - k)
        return (y, newKinetic, newKinetic + interaction(y))
    }

    /// U B(a, b), the bilinear form of the interaction energy (``EnergyDIIS``).
    func interactionForm(_ a: [Double], _ b: [Double]) -> Double {
        var e = 0.0
        if options.mode == .paramagnetic { for i in 0..<n { e += a[i] * b[i] } } else {
            for i in 0..<n { e += a[i] * b[n + i] + b[i] * a[n + i] }
            e *= 0.5
        }
        return options.U * e
    }

    /// One energy-DIIS step (``HartreeFockOptions/Mixing/energyDIIS(history:)``) from the
    /// state (x, kinetic) (nil: x is only a start) with the new output determinant.
    func energyDIISStep(x: [Double], output: [Double], outputEnergy: Double, kinetic: Double?,
                        history: inout EnergyDIIS.History) -> (x: [Double], kinetic: Double, energy: Double) {
        let outputKinetic = outputEnergy - interactionForm(output, output)
        let s = history.step(current: kinetic.map { (x, $0) }, output: output, outputKinetic: outputKinetic,
                             bilinear: interactionForm)
        return (s.x, s.kinetic, s.energy)
    }

    /// Final, complete diagonalization at the converged input densities and the energy checks.
    func finish(_ o: Outcome, start: Int, runs: [HartreeFockRun]) throws -> HartreeFockResult {
        let s = try step(o.x, all: true, reference: o.reference)
        let u = options.U
        let up: HartreeFockChannel, down: HartreeFockChannel
        switch options.mode {
        case .paramagnetic:
            up = HartreeFockChannel(orbitals: s.up, occupied: s.nUp, density: s.output)
            down = up
        case .free:
            up = HartreeFockChannel(orbitals: s.up, occupied: s.nUp, density: Array(s.output[0..<n]))
            down = HartreeFockChannel(orbitals: s.down!, occupied: s.nDown, density: Array(s.output[n..<(2 * n)]))
        }
        var interaction = 0.0
        for i in 0..<n { interaction += u * up.density[i] * down.density[i] }
        let eigenSum = up.orbitals.values[0..<up.occupied].reduce(0, +) + down.orbitals.values[0..<down.occupied].reduce(0, +)
        let energy = eigenSum - interaction
        let kinetic = options.mode == .paramagnetic
            ? 2 * kineticEnergy(up.orbitals, occupied: up.occupied)
            : kineticEnergy(up.orbitals, occupied: up.occupied) + kineticEnergy(down.orbitals, occupied: down.occupied)
        // The headline energy is the variational energy of the output determinant (its
        // orbitals and densities); the eigenvalue form mixes the input densities' eigenvalues
        // with the output densities (first order in the residual) and is kept as a check.
        var result = HartreeFockResult(options: options, up: up, down: down, energy: kinetic + interaction,
                                       energyFromH0: kinetic + interaction, start: start, runs: runs)
        result.energyFromEigenvalues = energy
        return result
    }
}
