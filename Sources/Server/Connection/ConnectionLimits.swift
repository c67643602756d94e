import NIOHTTP1

/// What one client connection may take from the server, and for how long.
///
/// - `idleTimeout`: a connection with no request in progress and no byte received for this long
///   is closed (keep-alive connections included).
/// - `requestHeadTimeout`: once the first byte of a request head has arrived, the whole head must
///   arrive within this time, or the connection is closed. Together with the idle timeout this
///   ends slowloris clients (a byte every few seconds) without touching clients that are served.
/// - `maxConnections`: connections accepted beyond this many are closed at once (and counted).
/// - Request heads are limited in size (`headerLimits`); a larger one is answered 400 and closed.
public struct ConnectionLimits: Sendable {
    public var idleTimeout: Duration
    public var requestHeadTimeout: Duration
    public var maxConnections: Int
    /// How long requests in progress may take to finish once the server has stopped accepting
    /// (after a stop signal and the drain delay) before their connections are closed.
    public var drainTimeout: Duration

    public static let defaultIdleTimeout: Duration = .seconds(60)
    public static let defaultRequestHeadTimeout: Duration = .seconds(10)
    public static let defaultDrainTimeout: Duration = .seconds(60)

    public init(idleTimeout: Duration = defaultIdleTimeout, requestHeadTimeout: Duration = defaultRequestHeadTimeout,
                maxConnections: Int, drainTimeout: Duration = defaultDrainTimeout) {
        self.idleTimeout = idleTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.maxConnections = maxConnections
        self.drainTimeout = drainTimeout
    }

    /// A pull request's head is a request line and a handful of headers; the largest real one is an
    /// `Authorization` with a JWT of a few KiB.
    static var headerLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 32 << 10
        limits.maxHeaderListSize = 64 << 10
        limits.maxHeaderFieldCount = 256
        return limits
    }
}
