import Logging
import NIOHTTP1

/// One line per request, once its response has ended: method, path, what was asked of which
/// upstream and repository, how the cache answered (`Served`), status, body bytes sent, time to
/// the response head and to the end, the client, and whether the response was cut short.
///
/// With `accessLog: true` the line is written at `info` for every request; otherwise at `debug`
/// only. At the default level with it off, a request pays one comparison here: a line per request
/// costs a formatted record and a locked `write` to stderr (the closing notes of issues 12 and 13
/// measure it).
struct AccessLog: Sendable {
    let logger: Logger
    let level: Logger.Level

    init(logger: Logger, everyRequest: Bool) {
        self.logger = logger
        level = everyRequest ? .info : .debug
    }

    func record(_ exchange: Exchange, _ served: Served?, status: UInt, bytes: Int64, headAt: ContinuousClock.Instant, complete: Bool) {
        guard logger.logLevel <= level else { return }
        let request = exchange.request.head
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "path": "\(request.uri.prefix(300))",
            "status": "\(status)",
            "bytes": "\(bytes)",
            "ttfbMs": "\(Self.milliseconds(headAt - exchange.started))",
            "ms": "\(Self.milliseconds(ContinuousClock.now - exchange.started))",
            "client": "\(exchange.client)",
            "complete": "\(complete)",
        ]
        if let served {
            metadata["kind"] = "\(served.kind.rawValue)"
            metadata["result"] = "\(served.result.rawValue)"
            if let upstream = served.upstream { metadata["upstream"] = "\(upstream)" }
            if let repository = served.repository { metadata["repository"] = "\(repository)" }
            if let reference = served.reference { metadata["reference"] = "\(reference)" }
        }
        logger.log(level: level, "request", metadata: metadata)
    }

    /// Milliseconds with two decimals: a hit takes well under one.
    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
        let whole = hundredths / 100, fraction = hundredths % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
