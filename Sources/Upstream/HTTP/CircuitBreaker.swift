import Synchronization

/// Decides whether to try the upstream at all. After `threshold` consecutive failures to connect
/// or to get response headers in time, the upstream counts as down for a back-off period: requests
/// fail at once (the cache serves what it has) instead of each waiting out a timeout. When the
/// back-off has passed, one request is let through as a probe; its success closes the breaker,
/// its failure reopens it with the back-off doubled (up to `maximumBackoff`).
///
/// Any HTTP response, whatever its status, proves the upstream reachable and counts as success.
public struct BreakerPolicy: Sendable, Equatable {
    public var threshold: Int
    public var backoff: Duration
    public var maximumBackoff: Duration
    /// How long a probe may take before another request may probe instead.
    public var probeTimeout: Duration

    public init(threshold: Int = 1, backoff: Duration = .seconds(10), maximumBackoff: Duration = .seconds(60), probeTimeout: Duration = .seconds(15)) {
        self.threshold = max(1, threshold)
        self.backoff = backoff
        self.maximumBackoff = max(backoff, maximumBackoff)
        self.probeTimeout = probeTimeout
    }
}

/// The breaker's state machine, on explicit instants so it can be tested without waiting.
struct BreakerState: Sendable {
    enum Phase: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant, backoff: Duration)
        case probing(since: ContinuousClock.Instant, backoff: Duration)
    }

    enum Admission: Sendable, Equatable {
        case allowed
        case probe
        case rejected(retryIn: Duration)
    }

    let policy: BreakerPolicy
    private(set) var phase = Phase.closed(failures: 0)

    init(policy: BreakerPolicy) {
        self.policy = policy
    }

    mutating func admit(at now: ContinuousClock.Instant) -> Admission {
        switch phase {
        case .closed:
            return .allowed
        case .open(let until, let backoff):
            guard now >= until else { return .rejected(retryIn: until - now) }
            phase = .probing(since: now, backoff: backoff)
            return .probe
        case .probing(let since, let backoff):
            guard now - since >= policy.probeTimeout else { return .rejected(retryIn: since + policy.probeTimeout - now) }
            phase = .probing(since: now, backoff: backoff)
            return .probe
        }
    }

    mutating func succeeded() {
        phase = .closed(failures: 0)
    }

    /// Returns true when this failure opened (or reopened) the breaker.
    mutating func failed(at now: ContinuousClock.Instant) -> Bool {
        switch phase {
        case .closed(let failures):
            guard failures + 1 >= policy.threshold else {
                phase = .closed(failures: failures + 1)
                return false
            }
            phase = .open(until: now + policy.backoff, backoff: policy.backoff)
            return true
        case .probing(_, let backoff):
            let next = min(backoff * 2, policy.maximumBackoff)
            phase = .open(until: now + next, backoff: next)
            return true
        case .open:
            return false  // A request let through before the breaker opened; it is open already.
        }
    }
}

/// The breaker of one upstream, shared by all its requests.
final class CircuitBreaker: Sendable {
    private let state: Mutex<BreakerState>

    init(policy: BreakerPolicy) {
        state = Mutex(BreakerState(policy: policy))
    }

    func admit() -> BreakerState.Admission {
        state.withLock { $0.admit(at: .now) }
    }

    func succeeded() {
        state.withLock { $0.succeeded() }
    }

    @discardableResult
    func failed() -> Bool {
        state.withLock { $0.failed(at: .now) }
    }

    /// Whether the upstream counts as down (open, or a probe under way).
    var isOpen: Bool {
        state.withLock { state in
            if case .closed = state.phase { return false }
            return true
        }
    }
}
