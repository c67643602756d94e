import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The server's open client connections: admitted up to `ConnectionLimits.maxConnections`, and
/// closed in order when the server stops (see `drain`).
final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var refused = 0
        var lastRefusalLogged: ContinuousClock.Instant?
    }

    private let maximum: Int
    private let logger: Logger
    private let state = Mutex(State())

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// Admits `channel` (and forgets it when it closes), or refuses it when the server is full.
    func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admitted, refusedToLog) = state.withLock { state -> (Bool, Int?) in
            guard state.channels.count < maximum else {
                state.refused += 1
                // One warning every ten seconds at most: a flood must not become a log flood.
                let now = ContinuousClock.now
                guard state.lastRefusalLogged.map({ now - $0 > .seconds(10) }) ?? true else { return (false, nil) }
                state.lastRefusalLogged = now
                return (false, state.refused)
            }
            state.channels[id] = channel
            return (true, nil)
        }
        if let refusedToLog {
            logger.warning("connection limit reached: closing new connections", metadata: [
                "connectionLimit": "\(maximum)", "refusedSoFar": "\(refusedToLog)",
            ])
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in _ = state.withLock { $0.channels.removeValue(forKey: id) } }
        return true
    }

    /// Stops every connection: each finishes the response it is writing and is then closed (an
    /// idle one at once); whatever is still open after `grace` is closed, cutting its response.
    func drain(grace: Duration) async {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now + grace
        while count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLock { Array($0.channels.values) }
        if !remaining.isEmpty {
            logger.notice("closing connections still answering after the shutdown grace", metadata: ["connections": "\(remaining.count)"])
        }
        for channel in remaining { channel.close(promise: nil) }
        // Closing completes on each channel's event loop; wait for it, within reason.
        let closing = ContinuousClock.now + .seconds(1)
        while count > 0, ContinuousClock.now < closing {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
