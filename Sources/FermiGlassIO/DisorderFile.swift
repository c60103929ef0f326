import Foundation

/// A disorder realization given as a file (CONVENTIONS.md §4): `.npy` (float64, 1-D of length
/// Lx*Ly or 2-D (Ly, Lx) in C order) or plain text, in site order i = x + Lx * y: one number
/// per line, or, like a 2-D .npy, Ly lines of Lx numbers (row y holds x = 0..<Lx) separated by
/// spaces, tabs or commas. Line ends may be LF or CRLF; '#' starts a comment line. Length and finiteness are checked by the model (`Disorder.validate`); this
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
        var rowLengths = [Int]()
        // Split on "\n" as a unicode scalar: Swift treats "\r\n" as one Character.
        for (n, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(String.UnicodeScalarView(raw)).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            for field in fields {
                guard let v = Double(field) else {
                    throw IOError.invalidFile("disorder file \(path), line \(n + 1): '\(field)' is not a number")
                }
                values.append(v)
            }
            rowLengths.append(fields.count)
        }
        if rowLengths.contains(where: { $0 != 1 }) {
            // A 2-D table: (Ly, Lx) like a 2-D .npy.
            guard rowLengths.count == ly, rowLengths.allSatisfy({ $0 == lx }) else {
                let widths = Set(rowLengths).sorted().map(String.init).joined(separator: ", ")
                throw IOError.invalidFile("disorder file \(path) is a table of \(rowLengths.count) rows of \(widths) numbers, expected (Ly, Lx) = (\(ly), \(lx)): \(ly) rows of \(lx), or one number per line")
            }
        }
        return values
    }
}
