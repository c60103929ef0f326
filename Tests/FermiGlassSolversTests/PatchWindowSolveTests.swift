import Foundation
import Testing
import FermiGlassTestSupport
import FermiGlassModel
@testable import FermiGlassSolvers

/// The per-patch solve without inertia counts (one factorization per slice, slices sized by the
/// expected density) against the dense spectrum of the same patch, whatever the density guess;
/// the re-solves' half-widths from a measured decay against the exact distance of an
/// exponential; the distance to a patch's cut against enumeration.
@Suite struct PatchWindowSolveTests {
    /// A 36 x 36 open patch of a W = 12 lattice (1296 sites: shift-invert, above the dense
    /// limit), its window [-1.3, -0.9] holding ~50 levels.
    static func patch() throws -> (CSRMatrix, [Double]) {
        let m = try PatchSolverTests.model(60, w: 12)
        let region = try m.lattice.region(x0: 10, y0: 12, width: 36, height: 36)
        let hp = m.hamiltonian(on: region)
        let reference = try DenseEigensolver.solve(hp, selection: .energies(-1.3 ... -0.9)).values
        return (hp, reference)
    }

    @Test func windowSolveFindsEveryDenseLevelWhateverTheDensityGuess() throws {
        let (hp, reference) = try Self.patch()
        #expect(reference.count >= 30)
        let n = Double(hp.rowCount)
        let exact = Double(reference.count) / (n * 0.4)
        // The right density; a guess 10x too low (the runs fall short of the slice edges);
        // 5x too high with a small slice capacity (several slices, one factor each).
        for (density, capacity) in [(exact, 160), (exact / 10, 160), (5 * exact, 40)] {
            var o = ShiftInvertOptions()
            o.sliceCapacity = capacity
            var values = [Double]()
            var previousTop = -Double.infinity
            let stats = try PatchWindowSolve.solve(hp, -1.3, -0.9, density: density, engine: o) { part in
                // Slices ascending and disjoint, vectors present.
                #expect((part.values.first ?? .infinity) >= previousTop)
                previousTop = part.values.last ?? previousTop
                #expect(part.vectors.count == part.count * hp.rowCount)
                values += part.values
            }
            #expect(values.count == reference.count, "density \(density): \(values.count) levels, dense \(reference.count)")
            for (a, b) in zip(values, reference) { #expect(abs(a - b) <= 1e-9) }
            // One factorization per slice when the density is right or overestimated (a nudge
            // off an eigenvalue or a local excess of levels adds one); a guess too low leaves
            // parts of the slice beyond the run's reach, solved with shifts of their own.
            let slices = max(1, Int((density * n * 0.4 / Double(capacity)).rounded(.up)))
            #expect(stats.krylovRuns >= slices)
            if density < exact / 2 {
                #expect(stats.factorizations > slices)
            } else {
                #expect(stats.factorizations >= slices && stats.factorizations <= slices + 2)
            }
        }
    }

    @Test func resolveHalfWidthFollowsTheStatesOwnDecay() {
        // The re-solves: the state's own decay, at least 1.1x, at most 2x.
        let s: (Int) -> Double = { d in 3e-5 * exp(-Double(d - 100) / 10) }
        let w = Double(PatchRun.nextResolveHalfWidth([(100, s(100)), (130, s(130))], current: 130, goal: 1e-7))
        let needed: Double = 100 + 10 * log(3e-5 / 1e-7)
        let bound: Double = 130 + 1.15 * (needed - 130) + 2
        #expect(w >= needed && w <= bound)
        #expect(PatchRun.nextResolveHalfWidth([(100, 1e-5)], current: 130, goal: 1e-7) == 195)
        #expect(PatchRun.nextResolveHalfWidth([(100, 1e-5), (130, 1e-5)], current: 130, goal: 1e-7) == 195)
    }

    @Test func cutDistanceIsTheDistanceToTheDroppedBonds() throws {
        for boundary in [Boundary.periodic, .open] {
            let m = try DisorderedModel(lattice: Lattice(lx: 20, ly: 14, boundaryX: boundary, boundaryY: boundary),
                                        parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 12), seed: 1, realization: 0)
            let run = try PatchRun(h: m.hamiltonian(), model: m, request: PatchSolverTests.request(m, .energy(0.1)))
            let layout = try PatchLayout(lattice: m.lattice, interior: 6, halo: 3)
            for p in 0..<layout.count {
                let region = layout.patchRegion(p)
                let inside = Set(m.lattice.sites(of: region))
                for site in inside {
                    // Enumeration: the fewest steps along x or y from the site to a site of the
                    // lattice outside the region (a dropped bond); none when no step leaves it.
                    var best = Int.max / 2
                    for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                        var here = site, steps = 0
                        while let next = m.lattice.neighbour(of: here, dx: dx, dy: dy), steps < 40 {
                            if !inside.contains(next) { best = min(best, steps); break }
                            here = next
                            steps += 1
                        }
                    }
                    #expect(run.cutDistance(site, region) == best, "\(boundary) patch \(p) site \(site)")
                }
            }
        }
    }
}
