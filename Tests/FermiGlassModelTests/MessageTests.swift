import Testing
import FermiGlassModel

/// Messages whose advice names parameters: the library spells them in Swift, a front end in its
/// own words; text and interpolated values between them are kept as written.
@Suite struct MessageTests {
    @Test func parametersRenderInEachFrontEndsWords() {
        let m: Message = "raise \(.basisSize) (now \(40)), or use \(.solver) dense"
        #expect(m.pieces.count == 5)
        #expect(m.description == "raise LanczosOptions.basisSize (now 40), or use EigenRequest.solver dense")
        #expect(m.rendered { "<\($0.rawValue)>" } == "raise <basisSize> (now 40), or use <solver> dense")
        let nested: Message = "realization 3: \(m)"
        #expect(nested.pieces.contains(.parameter(.solver)) && nested.rendered(\.rawValue).hasPrefix("realization 3: raise basisSize"))
        #expect(ModelError.invalidSize(m).description == m.description)
    }
}
