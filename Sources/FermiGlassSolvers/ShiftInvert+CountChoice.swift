// The choice of a window end among inertia counts already measured, made independent of the
// order in which the count cache (a dictionary) lists them.

extension ShiftInvertSolver {
    /// The count ``energy(atCount:slack:fromBelow:)`` aims at: the middle of the acceptable
    /// range, target - slack/2 from below, target + slack/2 from above.
    static func countGoal(target: Int, slack: Int, fromBelow: Bool) -> Double {
        fromBelow ? Double(target) - 0.5 * Double(slack) : Double(target) + 0.5 * Double(slack)
    }

    /// Among measured inertia counts (energy, count), the energy to accept for
    /// ``energy(atCount:slack:fromBelow:)``: of the entries whose count is acceptable (in
    /// [target - slack, target] from below, [target, target + slack] from above), the one whose
    /// count is nearest the goal (``countGoal(target:slack:fromBelow:)``), ties to the lower
    /// energy; nil when none is acceptable. Independent of the order of `entries`.
    static func acceptedEnergy(_ entries: [(energy: Double, count: Int)], target: Int, slack: Int, fromBelow: Bool) -> Double? {
        let goal = countGoal(target: target, slack: slack, fromBelow: fromBelow)
        let range = fromBelow ? (target - slack)...target : target...(target + slack)
        var best: (energy: Double, distance: Double)?
        for (e, c) in entries where range.contains(c) {
            let d = abs(Double(c) - goal)
            if let b = best, d > b.distance || (d == b.distance && e >= b.energy) { continue }
            best = (e, d)
        }
        return best?.energy
    }
}
