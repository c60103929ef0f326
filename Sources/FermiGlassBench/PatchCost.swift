import FermiGlassModel
import FermiGlassSolvers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cost of one patch solve, for planning the localized-patch solver (issue 17): an open
/// square patch of `side` x `side` sites cut from the lattice (``DisorderedModel/hamiltonian(on:)``),
/// its `count` eigenpairs nearest `energy` by shift-invert (factorization + block Krylov-Schur)
/// or, for `dense`, all its eigenpairs by LAPACK dsyevd. Times are wall-clock seconds.
public enum PatchCost {
    public struct Record: Sendable {
        public let side: Int
        public let sites: Int
        public let count: Int
        public let method: String
        /// Analysis + factorization of the patch's LDL^T (0 for dense).
        public let setupSeconds: Double
        /// The eigen-solve after setup.
        public let solveSeconds: Double
        public let maxResidual: Double
        /// CPU time of the process over setup + solve (all threads): on a shared machine the
        /// wall-clock times above include waiting for a core, this does not.
        public let cpuSeconds: Double
        public var totalSeconds: Double { setupSeconds + solveSeconds }
    }

    /// CPU seconds this process has used so far (CLOCK_PROCESS_CPUTIME_ID).
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Times a patch of each side (corner at site (0, 0)) for each count.
    public static func probe(_ model: DisorderedModel, energy: Double, sides: [Int], counts: [Int], denseSides: [Int]) throws -> [Record] {
        let lattice = model.lattice
        let clock = ContinuousClock()
        func patch(_ side: Int) throws -> CSRMatrix {
            model.hamiltonian(on: try lattice.region(x0: 0, y0: 0, width: side, height: side))
        }
        var out = [Record]()
        for side in sides where side <= lattice.lx - 2 && side <= lattice.ly - 2 {
            let hp = try patch(side)
            let norm = hp.infinityNorm
            for k in counts where k < hp.rowCount {
                let c0 = processCPUSeconds()
                let t0 = clock.now
                let solver = try ShiftInvertSolver(hp, options: ShiftInvertOptions(certifyNearest: false))
                let t1 = clock.now
                let pairs = try solver.nearest(sigma: energy, count: k).pairs
                let t2 = clock.now
                out.append(Record(side: side, sites: hp.rowCount, count: k, method: "shift-invert", setupSeconds: (t1 - t0).seconds,
                                  solveSeconds: (t2 - t1).seconds, maxResidual: pairs.maxResidual(of: hp) / norm,
                                  cpuSeconds: processCPUSeconds() - c0))
            }
        }
        for side in denseSides where side <= lattice.lx - 2 && side <= lattice.ly - 2 {
            let hp = try patch(side)
            let c0 = processCPUSeconds()
            let t0 = clock.now
            let pairs = try DenseEigensolver.solve(hp)
            let t1 = clock.now
            out.append(Record(side: side, sites: hp.rowCount, count: hp.rowCount, method: "dense", setupSeconds: 0,
                              solveSeconds: (t1 - t0).seconds, maxResidual: pairs.maxResidual(of: hp) / hp.infinityNorm,
                              cpuSeconds: processCPUSeconds() - c0))
        }
        return out
    }
}
