import FermiGlass
import Testing

/// Finite-size scaling reads L_loc from sweep records with one definition at every size.
@Suite struct FiniteSizeScalingTests {
    @Test func scalingUsesOneDefinitionAtEverySize() throws {
        func record(_ l: Int, _ states: String, lloc: Double, window: Double) -> JSON {
            .object([("columns", .object([("Lx", .int(l)), ("Ly", .int(l)), ("W", .number(9)), ("filling", .number(0.8))])),
                     ("rows", .array([.object([("U", .number(1)), ("polarized", .int(2)), ("L_loc", .number(lloc)),
                                               ("L_loc_states", .string(states)), ("L_loc_window", .number(window))])]))])
        }
        let mixed = try FiniteSizeScaling.points(records: [record(20, "all", lloc: 5.03, window: 4.5), record(40, "window", lloc: 4.79, window: 4.79)])
        #expect(mixed.map(\.localizationLength) == [4.5, 4.79] && mixed.allSatisfy { $0.localizationStates == "window" })
        let same = try FiniteSizeScaling.points(records: [record(20, "all", lloc: 5.03, window: 4.5), record(30, "all", lloc: 5.91, window: 4.6)])
        #expect(same.map(\.localizationLength) == [5.03, 5.91] && same.allSatisfy { $0.localizationStates == "all" })
    }
}
