import FermiGlassModel
import FermiGlassSolvers
import Foundation

extension StateSelection {
    /// The states an observable is averaged over, as a front end gives them (CONVENTIONS.md §2):
    /// `levels` `a:b` (0-based, half-open, inside 0..<sites) or `energies` `a:b` (closed, meeting
    /// the Gershgorin bound of `spec`'s H0), at most one of them; `fallback` when neither is
    /// given. A bad value is a ``StudyError`` naming its ``Parameter``.
    public init(levels: String?, energies: String?, for spec: ModelSpec, fallback: StateSelection = .all) throws {
        if levels != nil && energies != nil { throw StudyError.invalidInput("give either \(.states) or \(.energies), not both") }
        let n = spec.lattice.siteCount
        if let s = levels {
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else {
                throw StudyError.invalidInput("\(.states) must be a:b (0-based levels a..<b), got '\(s)'")
            }
            guard a >= 0, b <= n else {
                throw StudyError.invalidInput("\(.states) \(s) is outside the \(n) levels 0:\(n) of a \(spec.lattice.lx)x\(spec.lattice.ly) lattice")
            }
            guard b > a else { throw StudyError.invalidInput("\(.states) \(s) holds no state (b must exceed a)") }
            self = .levels(a..<b)
        } else if let e = energies {
            let parts = e.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite else {
                throw StudyError.invalidInput("\(.energies) must be a:b with finite numbers a <= b, got '\(e)'")
            }
            guard a <= b else { throw StudyError.invalidInput("\(.energies) \(e) is empty (a must not exceed b)") }
            let bound = try spec.spectralBound()
            if b < bound.lowerBound || a > bound.upperBound {
                throw StudyError.invalidInput("\(.energies) \(e) holds no state: every level lies in "
                    + "[\(String(format: "%.4g", bound.lowerBound)), \(String(format: "%.4g", bound.upperBound))] (Gershgorin bound of H0)")
            }
            self = .energies(a...b)
        } else {
            self = fallback
        }
    }
}
