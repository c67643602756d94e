/// Runs `operation` (sending a request and waiting for its response head) against a deadline.
///
/// `HTTPClient`'s own deadline is documented to cover the whole request including the body, which
/// would cut off a large blob; here only the wait for the head is bounded. The operation and a sleep
/// race in a task group: the first to finish wins and the other is cancelled, and the group does not
/// return until the loser has ended. Returns nil when the deadline passed first.
func withResponseDeadline<Value: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value? {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        // Both tasks always produce an element or throw, so `next()` cannot run dry here.
        return try await group.next() ?? nil
    }
}
