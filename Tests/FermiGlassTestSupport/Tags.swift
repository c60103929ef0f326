import Testing

extension Tag {
    /// End-to-end tests that take seconds each (they spawn the binary on real lattices, run a
    /// sweep or a reproduction). `swift test` runs them; the fast set leaves them out:
    /// `swift test --skip-tags slow` ... see README "Tests".
    @Tag public static var slow: Self
}
