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

    /// ``resolve(_:fallback:)`` for option values held elsewhere (`dos --energies`):
    /// ``StateSelection/init(levels:energies:for:fallback:)``, a bad value refused (exit 64).
    static func resolve(states: String?, energies: String?, _ spec: ModelSpec, fallback: StateSelection = .all) throws -> StateSelection {
        do { return try StateSelection(levels: states, energies: energies, for: spec, fallback: fallback) } catch let e as StudyError {
            throw ValidationError(commandLineMessage(e))
        }
    }
}
