import Foundation

/// A disorder realization given as a file (CONVENTIONS.md §4): `.npy` (float64, 1-D of length
/// Lx*Ly or 2-D (Ly, Lx) in C order) or plain text with one number per line, in site order
/// i = x + Lx * y. Length and finiteness are checked by the model (`Disorder.validate`); this
/// reader checks the shape.
public enum DisorderFile {
    public static func read(path: String, lx: Int, ly: Int) throws -> [Double] {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw IOError.unreadable("disorder file \(path) does not exist")
        }
        if url.pathExtension.lowercased() == "npy" {
            let a = try NPY.read(url)
            if a.shape.count == 2 && (a.shape[0] != ly || a.shape[1] != lx) {
                throw IOError.invalidFile("disorder file \(path) has shape (\(a.shape[0]), \(a.shape[1])), expected (Ly, Lx) = (\(ly), \(lx))")
            }
            guard a.shape.count <= 2 else { throw IOError.invalidFile("disorder file \(path) must be 1-D or 2-D, got shape \(a.shape)") }
            return a.values
        }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw IOError.unreadable("cannot read disorder file \(path) as text")
        }
        var values = [Double]()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let v = Double(line) else {
                throw IOError.invalidFile("disorder file \(path), line \(n + 1): '\(line)' is not a number")
            }
            values.append(v)
        }
        return values
    }
}
