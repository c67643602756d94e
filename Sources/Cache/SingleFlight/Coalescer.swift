import Synchronization

/// Runs one piece of work per key at a time: callers that ask while it runs wait for the same
/// result. The work runs on a task of its own, so a caller that goes away does not cancel it for
/// the others.
final class Coalescer<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let running = Mutex<[Key: Task<Value, any Error>]>([:])

    func run(_ key: Key, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = running.withLock { running in
            if let existing = running[key] { return existing }
            let task = Task {
                defer { self.running.withLock { _ = $0.removeValue(forKey: key) } }
                return try await work()
            }
            running[key] = task
            return task
        }
        return try await task.value
    }
}
