import Foundation
import Testing

/// No layer below the command-line tool spells a command-line option in a message: a library
/// message names a `Parameter` (`\(.window)`), which the CLI renders as `--window` and a Swift
/// caller reads as `StateSelection.fermiWindow` (issue 16).
@Suite struct LayerMessagesTests {
    /// The library targets, relative to the package root.
    static let libraries = ["FermiGlassModel", "FermiGlassIO", "FermiGlassSolvers", "FermiGlassObservables",
                            "FermiGlassInteracting", "FermiGlassStudies"]

    /// Literals that are not messages to a user: the worker protocol's own command line (a
    /// --jobs parent launching its executable, a patch worker's job file), and git's arguments
    /// for the provenance.
    static let allowed: Set<String> = ["--worker-unit", "--worker-record", "--worker-patch-job", "--porcelain", "--untracked-files"]

    /// String literals of Swift source (comments skipped, multi-line literals included) that hold
    /// `--name` outside ``allowed``, as "file:line: literal".
    static func flagLiterals(in source: String, file: String) -> [String] {
        var hits = [String]()
        var inMultiline = false
        for (n, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(rawLine)
            if inMultiline {
                if line.contains("\"\"\"") { inMultiline = false }
                check(line, file: file, line: n + 1, into: &hits)
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
            if line.contains("\"\"\"") {
                inMultiline = line.components(separatedBy: "\"\"\"").count == 2
                check(line, file: file, line: n + 1, into: &hits)
                continue
            }
            // The string literals of the line ("..." with escapes).
            var literals = [String](), current: String? = nil, escaped = false
            let chars = Array(line)
            for (i, c) in chars.enumerated() {
                if var s = current {
                    if escaped { escaped = false; s.append(c) } else if c == "\\" { escaped = true; s.append(c) } else if c == "\"" {
                        literals.append(s); current = nil; continue
                    } else { s.append(c) }
                    current = s
                } else if c == "\"" {
                    current = ""
                } else if c == "/", i + 1 < chars.count, chars[i + 1] == "/" {
                    break  // a comment to the end of the line
                }
            }
            line = literals.joined(separator: " ")
            check(line, file: file, line: n + 1, into: &hits)
        }
        return hits
    }

    static func check(_ text: String, file: String, line: Int, into hits: inout [String]) {
        let flag = try! NSRegularExpression(pattern: "(?<![-\\w])--[A-Za-z][A-Za-z0-9-]*")
        for m in flag.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let word = String(text[Range(m.range, in: text)!])
            if !allowed.contains(word) { hits.append("\(file):\(line): \(word)") }
        }
    }

    /// The scanner finds a flag in a literal, in a multi-line literal and in an interpolated
    /// literal, and none in comments, in `\(.window)` or in an em dash `--` alone.
    @Test func scannerFindsFlagsInLiteralsOnly() {
        let source = """
            // see --window in the CLI
            /// --ncv doc comment
            let a = "use --window levels:K"
            let b = "\\(.window) levels:K -- a note"
            let c = \"\"\"
                multi --sigma line
                \"\"\"
            let d = "x \\(y) --count k"
            """
        #expect(Self.flagLiterals(in: source, file: "f") == ["f:3: --window", "f:6: --sigma", "f:8: --count"])
    }

    /// Every library source file: no command-line flag in a string literal. The known ones still
    /// in files other helpers were changing this session are listed (each to become a
    /// `Parameter` or neutral words), with the journal's command-line filter; a new one fails.
    @Test func librariesNameNoCommandLineFlag() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let pending: Set<String> = [
            "GroundStateStudy.swift: --core", "GroundStateRealizations.swift: --solver", "GroundStateRealizations.swift: --proposals",
            "HartreeFockStudy.swift: --warm-start", "HartreeFockStudy.swift: --starts", "PatchUnits.swift: --jobs",
            // Not messages: the journal's identity of a run drops these flags from the process's own command line.
            "StudyRunner+Journal.swift: --resume", "StudyRunner+Journal.swift: --force", "StudyRunner+Journal.swift: --quiet",
            "StudyRunner+Journal.swift: --json",
        ]
        var found = [String](), files = 0
        for library in Self.libraries {
            let dir = root.appendingPathComponent("Sources/\(library)")
            let e = try #require(FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil))
            for case let url as URL in e where url.pathExtension == "swift" {
                files += 1
                let hits = Self.flagLiterals(in: try String(contentsOf: url, encoding: .utf8), file: url.lastPathComponent)
                // "file:line: --flag" -> "file: --flag"
                found += hits.filter { hit in
                    let parts = hit.components(separatedBy: ":")
                    return !pending.contains("\(parts[0]):\(parts.dropFirst(2).joined(separator: ":"))")
                }
            }
        }
        #expect(files > 100)
        #expect(found == [], "library string literals naming command-line flags: \(found)")
    }
}
