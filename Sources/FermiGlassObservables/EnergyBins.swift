#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Uniform energy bins of width `width` whose edges sit on integer multiples of the width
/// (E_k = (first + k) * width), so that runs with different disorder or different
/// realizations share the same grid and their histograms can be compared bin by bin.
/// Energies are in units of the hoppings (t1 = 1 in the paper's preset).
public struct EnergyBins: Sendable, Equatable {
    /// Bin width (energy units).
    public let width: Double
    /// Index of the first edge: the lowest edge is `first * width`.
    public let first: Int
    /// Number of bins.
    public let count: Int

    /// The smallest grid of width `width` that covers [lower, upper]. An energy that falls
    /// exactly on the top edge belongs to the last bin.
    public init(covering lower: Double, _ upper: Double, width: Double) {
        precondition(width > 0 && width.isFinite && lower.isFinite && upper.isFinite && lower <= upper)
        self.width = width
        let a = Int((lower / width).rounded(.down))
        var b = Int((upper / width).rounded(.up))
        if b <= a { b = a + 1 }
        first = a
        count = b - a
    }

    /// Lower edge of bin `k`.
    public func lowerEdge(_ k: Int) -> Double { Double(first + k) * width }
    /// Upper edge of bin `k`.
    public func upperEdge(_ k: Int) -> Double { Double(first + k + 1) * width }
    /// Centre of bin `k`.
    public func center(_ k: Int) -> Double { (Double(first + k) + 0.5) * width }

    /// The bin holding energy `e` (half-open [lower, upper), the top edge in the last bin), or
    /// nil outside the grid.
    public func index(of e: Double) -> Int? {
        guard e.isFinite else { return nil }
        var k = Int((e / width).rounded(.down)) - first
        if k == count && e <= upperEdge(count - 1) { k = count - 1 }
        return (0..<count).contains(k) ? k : nil
    }

    /// Number of energies in each bin (energies outside the grid are not counted).
    public func counts(_ energies: [Double]) -> [Int] {
        var c = [Int](repeating: 0, count: count)
        for e in energies { if let k = index(of: e) { c[k] += 1 } }
        return c
    }
}
