import FermiGlassModel

extension EigenRequest {
    /// The request of a computation that chooses its states by a shift (the `count` states
    /// nearest `sigma`), by a `window` around E_F of the sea filling levels 0 ..< fermiIndex, or
    /// neither (the whole spectrum; with `.shiftInvert` and a filling, the window levels:1).
    /// Refused: `.patches` without a window, a window without a filling, `.shiftInvert` with
    /// nothing to centre on.
    public init(solver choice: SolverChoice, sigma: Double?, count: Int?, window: FermiWindow?, fermiIndex: Int?,
                vectors: Bool, engine: ShiftInvertOptions, cache: EigenCache?, patches: PatchOptions) throws {
        if choice == .patches && window == nil {
            throw SolverError.invalidArgument("\(.solver) patches computes the states of a \(.window) levels:K|energy:D around E_F (with a filling)")
        }
        var selection = StateSelection.all
        if let s = sigma, let k = count {
            selection = .nearest(sigma: s, count: k)
        } else if let w = window {
            guard let f = fermiIndex else {
                throw SolverError.invalidArgument("\(.window) \(w) is relative to the Fermi energy: give \(.particles) N or \(.filling) n")
            }
            selection = .fermiWindow(fermiIndex: f, window: w)
        } else if let f = fermiIndex, choice == .shiftInvert {
            selection = .fermiWindow(fermiIndex: f, window: .levels(1))
        }
        if choice == .shiftInvert && selection == .all {
            throw SolverError.invalidArgument("\(.solver) shift-invert needs \(.sigma) E \(.count) k, or \(.window) levels:K|energy:D with a filling")
        }
        self.init(solver: choice, selection: selection, vectors: vectors, engine: engine, cache: cache, patches: patches)
    }

    /// The request of a computation whose states are a fixed `selection` of levels or energies
    /// on a lattice of `sites` sites: no patches; `.all` is refused where `choice` resolves to
    /// shift-invert (which computes states near an energy), with `needsAll`, the reason the
    /// computation needs every state.
    public init(solver choice: SolverChoice, fixed selection: StateSelection, vectors: Bool, sites: Int, needsAll: Message,
                engine: ShiftInvertOptions, cache: EigenCache?) throws {
        if choice == .patches {
            throw SolverError.invalidArgument("\(.solver) patches is available for spectrum \(.window) so far, not for this command; use \(.solver) shift-invert")
        }
        if Eigensolver.resolve(choice, sites: sites, selection: selection) == .shiftInvert && selection == .all {
            throw SolverError.invalidArgument("\(.solver) \(choice.rawValue) computes states near an energy, not the whole spectrum: \(needsAll)")
        }
        self.init(solver: choice, selection: selection, vectors: vectors, engine: engine, cache: cache)
    }
}
