import Foundation

extension TransferMatrixStudy: UnitCostEstimating {
    /// A strip of width M costs about M^3 per length step (the QR re-orthogonalisation of the
    /// 2M x M block of Lyapunov vectors dominates), so the widest strips are handed out first
    /// under MPI and the narrow ones fill the gaps.
    public func estimatedCost(of unit: Int) -> Double { pow(Double(widths[unit]), 3) }
}
