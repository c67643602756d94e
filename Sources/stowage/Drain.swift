import Logging
import Server
import Synchronization

/// How `serve` stops. Ordering (each step only after the one before):
/// 1. the first SIGTERM marks the server draining: `/readyz` answers 503 from that instant, so
///    load balancers and Kubernetes take the node out of rotation;
/// 2. requests are still served, new connections included, for `delay` (they notice meanwhile);
/// 3. `stop` starts the graceful shutdown of `serve`'s services (`ServeServices.swift`): the
///    listener closes first, and requests in progress (downloads that clients follow included,
///    which commit before their last bytes are sent) get `timeout` to finish (`RegistryServer`).
/// SIGINT, an operator at a terminal, skips the delay; so does a second signal during it.
final class Drain: Sendable {
    private let health: ServerHealth
    private let delay: Duration
    private let timeout: Duration
    private let logger: Logger
    private let stop: @Sendable () -> Void
    private let waiting = Mutex<Task<Void, Never>?>(nil)

    init(health: ServerHealth, delay: Duration, timeout: Duration, logger: Logger, stop: @escaping @Sendable () -> Void) {
        self.health = health
        self.delay = delay
        self.timeout = timeout
        self.logger = logger
        self.stop = stop
    }

    func begin(interrupted: Bool) {
        guard health.startDraining(), !interrupted, delay > .zero else {
            // A second signal, SIGINT, or no delay: stop accepting now.
            waiting.withLock { $0?.cancel() }
            logger.notice("shutting down: no new connections; requests in progress get up to \(timeout)")
            stop()
            return
        }
        logger.notice("draining: /readyz answers 503; still serving for \(delay), then no new connections and up to \(timeout) for requests in progress")
        let task = Task { [delay, timeout, logger, stop] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            logger.notice("shutting down: no new connections; requests in progress get up to \(timeout)")
            stop()
        }
        waiting.withLock { $0 = task }
    }
}
