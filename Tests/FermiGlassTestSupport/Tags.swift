import Foundation
import Testing

extension Tag {
    /// End-to-end tests that take seconds each: they spawn the binary on real lattices, run
    /// sweeps, reproductions or converge Hartree-Fock on many starts.
    @Tag public static var slow: Self
}

extension Trait where Self == ConditionTrait {
    /// Marks a slow test or suite (`@Suite(.slow, .tags(.slow))`): `swift test` runs it, the fast
    /// set leaves it out:
    ///
    ///     FERMIGLASS_FAST_TESTS=1 swift test
    ///
    /// (Swift Testing filters by name on the command line, not by tag, so the fast set is chosen
    /// by this condition; the tag shows the test as slow in reports and IDEs.)
    public static var slow: Self {
        .disabled(if: ProcessInfo.processInfo.environment["FERMIGLASS_FAST_TESTS"] == "1",
                  "slow: not in the fast set (FERMIGLASS_FAST_TESTS=1)")
    }
}
