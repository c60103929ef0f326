import Foundation

/// Runs independent units of work (disorder realizations, sweep units) on a fixed number of
/// worker threads. Results come back in input order, so the output of a run does not depend on
/// the worker count or on scheduling; each unit must be deterministic on its own (seeded from
/// its own identity, never from shared state).
public enum Workers {
    /// `body` applied to every item, on up to `workers` threads; the first error is rethrown
    /// after all running items finish.
    public static func map<T, R>(_ items: [T], workers: Int, _ body: (T) throws -> R) throws -> [R] {
        let n = items.count
        guard workers > 1, n > 1 else { return try items.map(body) }
        var results = [R?](repeating: nil, count: n)
        var firstError: Error? = nil
        var next = 0
        let lock = NSLock()
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: min(workers, n)) { _ in
                while true {
                    lock.lock()
                    let k = next
                    next += 1
                    let stop = firstError != nil
                    lock.unlock()
                    if k >= n || stop { return }
                    do {
                        let r = try body(items[k])
                        lock.lock(); results[k] = r; lock.unlock()
                    } catch {
                        lock.lock(); if firstError == nil { firstError = error }; lock.unlock()
                    }
                }
            }
        }
        if let e = firstError { throw e }
        return results.map { $0! }
    }
}
