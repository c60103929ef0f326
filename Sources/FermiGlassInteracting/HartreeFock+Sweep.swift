import FermiGlassModel
import FermiGlassSolvers

extension HartreeFock {
    /// The other direction of a U sweep: the kept state `neighbour` of the adjacent U, run
    /// alone as a start at `result`'s U (start number -2, kind ``HartreeFockStartKind/neighbour``,
    /// followed to a minimum like any start), and merged into `result`
    /// (``merged(_:_:)``). A U sweep run up and then down this way lets a low minimum found at
    /// a larger U reach the smaller ones and vice versa. `store` as in
    /// ``solve(h0:particles:options:initial:neighbours:store:initialStart:progress:snapshot:)``.
    public static func refine(_ result: HartreeFockResult, neighbour: HartreeFockResult, h0: CSRMatrix, particles: Int,
                              options: HartreeFockOptions, store: HartreeFockStartStore? = nil,
                              progress: ((String) -> Void)? = nil,
                              snapshot: ((HartreeFockSnapshot) -> Void)? = nil) throws -> HartreeFockResult {
        var o = options
        o.starts = 0
        o.susceptibilityStarts = 0
        o.firstOrderStarts = 0
        o.hops = 0
        let other = try solve(h0: h0, particles: particles, options: o,
                              neighbours: [(neighbour.up.density, neighbour.down.density)],
                              store: store, progress: progress, snapshot: snapshot)
        return merged(result, other)
    }

    /// Two searches of the same problem as one: the lower kept state (among equal energies a
    /// minimum before a saddle, then `a`), the union of their distinct minima, every run.
    public static func merged(_ a: HartreeFockResult, _ b: HartreeFockResult) -> HartreeFockResult {
        var kept = isBetter(b, than: a) ? b : a
        kept.keptRun = isBetter(b, than: a) ? a.runs.count + b.keptRun : a.keptRun
        kept.runs = a.runs + b.runs
        var minima = a.minima
        for m in b.minima {
            if let k = minima.firstIndex(where: { $0.isSame(as: m) }) { minima[k].starts += m.starts } else { minima.append(m) }
        }
        kept.minima = minima.sorted { $0.energy < $1.energy }
        return kept
    }

    /// A U sweep of one Hamiltonian: each U warm-started from the previous U's kept state
    /// (the first from `initial`), and with `bothDirections`, then back down, each U refined
    /// (``refine(_:neighbour:h0:particles:options:store:progress:snapshot:)``) from the U above
    /// it. `stores(k)`: the start store of U number k (nil: none). A U that fails keeps its
    /// error; the next U then starts without a warm start.
    public static func sweep(h0: CSRMatrix, particles: Int, us: [Double], template: HartreeFockOptions,
                             initial: (up: [Double], down: [Double])? = nil, bothDirections: Bool = true,
                             stores: (Int) -> HartreeFockStartStore? = { _ in nil },
                             progress: ((Int, String) -> Void)? = nil) -> [Result<HartreeFockResult, HartreeFockError>] {
        var results: [Result<HartreeFockResult, HartreeFockError>] = []
        var previous = initial
        for (k, u) in us.enumerated() {
            var o = template
            o.U = u
            do {
                let r = try solve(h0: h0, particles: particles, options: o, initial: previous, store: stores(k),
                                  progress: progress.map { p in { p(k, $0) } })
                results.append(.success(r))
                previous = (r.up.density, r.down.density)
            } catch {
                results.append(.failure(error as? HartreeFockError ?? .invalidArgument("\(error)")))
                previous = nil
            }
        }
        guard bothDirections, us.count > 1 else { return results }
        for k in stride(from: us.count - 2, through: 0, by: -1) {
            guard case .success(let above) = results[k + 1] else { continue }
            var o = template
            o.U = us[k]
            do {
                switch results[k] {
                case .success(let r):
                    results[k] = .success(try refine(r, neighbour: above, h0: h0, particles: particles, options: o, store: stores(k),
                                                     progress: progress.map { p in { p(k, $0) } }))
                case .failure:
                    o.starts = 0; o.susceptibilityStarts = 0; o.firstOrderStarts = 0; o.hops = 0
                    results[k] = .success(try solve(h0: h0, particles: particles, options: o,
                                                    neighbours: [(above.up.density, above.down.density)], store: stores(k),
                                                    progress: progress.map { p in { p(k, $0) } }))
                }
            } catch {
                // The descending start failed: the ascending result stands.
            }
        }
        return results
    }
}
