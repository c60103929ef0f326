import FermiGlass

// The paper's model (t1 = 1, t2 = 0.6, W = 9, filling 5/6) on a 60 x 60 lattice, realization 0.
let lattice = try Preset.paper.lattice()
let model = try DisorderedModel(lattice: lattice, parameters: Preset.paper.parameters, seed: 1, realization: 0)
let fermiIndex = try Preset.paper.filling(on: lattice).fermiIndex

// The 100 levels on each side of E_F, by shift-invert, certified by inertia counts.
let request = EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: fermiIndex, window: .levels(100)))
let solution = try Eigensolver.solve(model.hamiltonian(), request)
let lloc = Localization.length(ipr: Localization.ipr(solution.states))
print("E_F = \(solution.fermiLevel!.energy), states = \(solution.pairs.count), certified = \(solution.diagnostics.certified)")
print("L_loc of the window states = \(lloc)")
