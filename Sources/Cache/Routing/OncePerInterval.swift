import Synchronization

/// Lets something happen at most once per interval: a warning that would otherwise repeat on
/// every request (an upstream refusing the configured credentials refuses every pull).
final class OncePerInterval: Sendable {
    private let interval: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(_ interval: Duration) {
        self.interval = interval
    }

    /// True, once per interval, for the first caller.
    func claim() -> Bool {
        last.withLock { last in
            let now = ContinuousClock.now
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
    }
}
