import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// Which single-particle states an observable is averaged over (CONVENTIONS.md §2): all of
/// them, a 0-based half-open level range, or a closed energy range.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Levels a:b of the ascending spectrum, 0-based and half-open (a..<b).",
        discussion: "The paper's Fig. 1 states are 1600:2000 on 60x60 (energies about -0.91 .. 0.26).",
        valueName: "a:b"))
    var states: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "States with energy in the closed range [a, b] (units of t1), e.g. --energies=-1.5:-0.9.",
        valueName: "a:b"))
    var energies: String?

    /// The selection, checked against the lattice: a level range inside 0..<sites, an energy
    /// range that intersects the spectral bound of `spec` (Gershgorin). `fallback` is used when
    /// neither option is given.
    func resolve(_ spec: ModelSpec, fallback: StateSelection = .all) throws -> StateSelection {
        try Self.resolve(states: states, energies: energies, spec, fallback: fallback)
    }

    /// ``resolve(_:fallback:)`` for option values held elsewhere (`dos --energies`).
    static func resolve(states: String?, energies: String?, _ spec: ModelSpec, fallback: StateSelection = .all) throws -> StateSelection {
        if states != nil && energies != nil { throw ValidationError("give either --states or --energies, not both") }
        let n = spec.lattice.siteCount
        if let s = states {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else {
                throw ValidationError("--states must be a:b (0-based levels a..<b), got '\(s)'")
            }
            guard a >= 0, b <= n else {
                throw ValidationError("--states \(s) is outside the \(n) levels 0:\(n) of a \(spec.lattice.lx)x\(spec.lattice.ly) lattice")
            }
            guard b > a else { throw ValidationError("--states \(s) holds no state (b must exceed a)") }
            return .levels(a..<b)
        }
        if let e = energies {
            let parts = e.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
                throw ValidationError("--energies must be a:b with finite numbers a <= b, got '\(e)'")
            }
            guard a <= b else { throw ValidationError("--energies \(e) is empty (a must not exceed b)") }
            let bound = try spec.spectralBound()
            if b < bound.lowerBound || a > bound.upperBound {
                throw ValidationError(String(
                    format: "--energies %@ holds no state: every level lies in [%.4g, %.4g] (Gershgorin bound of H0)",
                    e, bound.lowerBound, bound.upperBound))
            }
            return .energies(a...b)
        }
        return fallback
    }
}
