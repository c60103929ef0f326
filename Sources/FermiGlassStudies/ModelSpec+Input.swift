import FermiGlassIO
import FermiGlassModel
import Foundation

extension ModelSpec {
    /// A model as a front end gives it, field by field in text (the command line's model
    /// options): a nil field takes the preset's value, else the default (20 x 20, t1 = 1,
    /// t2 = W = mu = 0, periodic, no filling, seed 1, realizations 0..<1). ``resolve(needsFilling:allowWList:defaultRealizations:)``
    /// checks every field and builds the ``ModelSpec``; a bad field is a ``StudyError`` (a ``ModelError`` from the
    /// lattice, filling or model, an ``IOError`` for an unreadable disorder file) whose message
    /// names its ``Parameter``.
    public struct Input: Sendable {
        public var preset: Preset?
        /// `L` (L x L) or `LxxLy`.
        public var size: String?
        public var t1: Double?
        public var t2: Double?
        public var mu: Double?
        /// Disorder strength W; a comma list (`0,3,6`) where a study takes several.
        public var disorder: String?
        /// `periodic`, `open`, or `x,y` separately (`periodic,open`).
        public var boundary: String?
        public var particles: Int?
        public var filling: Double?
        public var seed: UInt64?
        /// R: realizations 0..<R.
        public var realizations: Int?
        /// `a:b`: realizations a..<b.
        public var realizationRange: String?
        /// On-site energies read from a file instead of drawn (one realization).
        public var disorderFile: String?

        public init() {}

        /// The disorder strengths given (one value for most studies), or `[value]` when none is.
        public func disorderStrengths(default value: Double) throws -> [Double] {
            guard let text = disorder else { return [value] }
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var out = [Double]()
            for p in parts {
                guard let v = Double(p), v.isFinite else { throw StudyError.invalidInput("\(.disorderStrength): '\(p)' is not a finite number") }
                guard v >= 0 else { throw StudyError.invalidInput("\(.disorderStrength) must be non-negative, got \(v)") }
                out.append(v)
            }
            guard !out.isEmpty else { throw StudyError.invalidInput("\(.disorderStrength) is empty") }
            return out
        }

        /// The checked ``ModelSpec``. `needsFilling`: the study needs N. `allowWList`: W may
        /// list several values (the spec gets the first). `defaultRealizations`: R when neither
        /// ``realizations`` nor ``realizationRange`` is given.
        public func resolve(needsFilling: Bool, allowWList: Bool = false, defaultRealizations: Int = 1) throws -> ModelSpec {
            var lx = 20, ly = 20
            var params = ModelParameters(t1: 1, t2: 0, disorderStrength: 0, mu: 0)
            var fillingDefault: Double? = nil
            var bx = Boundary.periodic, by = Boundary.periodic
            if let p = preset {
                lx = p.lx; ly = p.ly; params = p.parameters; bx = p.boundary; by = p.boundary
                fillingDefault = p.filling
            }
            if let s = size { (lx, ly) = try Self.parseSize(s) }
            if let v = t1 { params.t1 = v }
            if let v = t2 { params.t2 = v }
            if let v = mu { params.mu = v }
            let ws = try disorderStrengths(default: params.disorderStrength)
            if ws.count > 1 && !allowWList { throw StudyError.invalidInput("\(.disorderStrength) takes one value for this command, got \(ws.count)") }
            params.disorderStrength = ws[0]
            if let b = boundary { (bx, by) = try Self.parseBoundary(b) }
            for (name, v) in [(Parameter.t1, params.t1), (.t2, params.t2), (.mu, params.mu)] where !v.isFinite {
                throw StudyError.invalidInput("\(name) must be a finite number, got \(v)")
            }
            let lattice: Lattice
            do { lattice = try Lattice(lx: lx, ly: ly, boundaryX: bx, boundaryY: by) } catch let e as ModelError {
                throw StudyError.invalidInput("\(.size): \(e.message)")
            }
            var filling: Filling? = nil
            if particles != nil && self.filling != nil { throw StudyError.invalidInput("give either \(.particles) or \(.filling), not both") }
            if let n = particles {
                filling = try Filling(particles: n, siteCount: lattice.siteCount)
            } else if let f = self.filling ?? fillingDefault {
                filling = try Filling(filling: f, siteCount: lattice.siteCount)
            }
            if needsFilling && filling == nil {
                throw StudyError.invalidInput("this command needs a filling: give \(.particles) N or \(.filling) n (or \(.preset) paper)")
            }
            let reals = try realizationList(default: defaultRealizations)
            if let path = disorderFile, !FileManager.default.fileExists(atPath: path) {
                throw StudyError.invalidInput("disorder file \(path) does not exist")
            }
            let spec = try ModelSpec(lattice: lattice, parameters: params, filling: filling, seed: seed ?? 1,
                                     realizations: reals, disorderFile: disorderFile, preset: preset?.rawValue)
            if disorderFile != nil { _ = try spec.model(realization: reals[0]) }  // check the file now
            return spec
        }

        /// The realization numbers: ``realizationRange`` a..<b, else 0..<R.
        func realizationList(default defaultRealizations: Int) throws -> [Int] {
            if realizations != nil && realizationRange != nil {
                throw StudyError.invalidInput("give either \(.realizations) or \(.realizationRange), not both")
            }
            guard let r = realizationRange else {
                let r = realizations ?? defaultRealizations
                guard r > 0 else { throw StudyError.invalidInput("\(.realizations) must be positive, got \(r)") }
                return Array(0..<r)
            }
            let parts = r.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0 else {
                throw StudyError.invalidInput("\(.realizationRange) must be a:b with 0 <= a, got '\(r)'")
            }
            guard b > a else { throw StudyError.invalidInput("\(.realizationRange) \(r) is empty") }
            return Array(a..<b)
        }

        /// `60` -> (60, 60), `60x40` -> (60, 40).
        public static func parseSize(_ s: String) throws -> (Int, Int) {
            let parts = s.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!) else {
                throw StudyError.invalidInput("\(.size) must be L or LxxLy (e.g. 60 or 60x40), got '\(s)'")
            }
            guard a > 0, b > 0 else { throw StudyError.invalidInput("\(.size) must be positive, got '\(s)'") }
            return (a, b)
        }

        /// `periodic` -> both periodic, `periodic,open` -> x periodic, y open.
        public static func parseBoundary(_ s: String) throws -> (Boundary, Boundary) {
            let bs = try s.split(separator: ",").map { p -> Boundary in
                guard let b = Boundary(rawValue: String(p)) else {
                    throw StudyError.invalidInput("\(.boundary) must be periodic or open (or x,y), got '\(s)'")
                }
                return b
            }
            guard (1...2).contains(bs.count) else {
                throw StudyError.invalidInput("\(.boundary) must be periodic or open (or x,y), got '\(s)'")
            }
            return (bs[0], bs.last!)
        }
    }
}
