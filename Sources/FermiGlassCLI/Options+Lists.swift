import ArgumentParser
import Foundation

/// Parses a comma-separated list of positive integers (`--sizes 10,20,40`).
package func parsePositiveList(_ text: String, option: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    return try parts.map { p in
        guard let v = Int(p), v > 0 else { throw ValidationError("\(option) must be a comma-separated list of positive integers, got '\(text)'") }
        return v
    }
}

/// Parses a comma-separated list of finite numbers (`--U 0.5,1,-1`).
package func parseNumberList(_ text: String, option: String) throws -> [Double] {
    let values = try text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }.map { p in
        guard let v = Double(p), v.isFinite else { throw ValidationError("\(option): '\(p)' is not a finite number") }
        return v
    }
    guard !values.isEmpty else { throw ValidationError("\(option) is empty") }
    return values
}
