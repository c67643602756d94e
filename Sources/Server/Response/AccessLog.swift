import Logging
import NIOHTTP1

/// One line per request, once its response has been written: method, path, status, body bytes
/// sent, duration, and whether the response was cut short.
///
/// Written at `debug`: at the default level (`info`) a line per request would cost the hit path a
/// locked, unbuffered write to stderr per request (measured in the closing note of issue 12);
/// `logLevel: debug` turns it on.
struct AccessLog: Sendable {
    let logger: Logger

    func record(_ exchange: Exchange, status: UInt, bytes: Int64, complete: Bool) {
        guard logger.logLevel <= .debug else { return }
        let request = exchange.request.head
        logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)",
            "path": "\(request.uri.prefix(300))",
            "status": "\(status)",
            "bytes": "\(bytes)",
            "ms": "\((ContinuousClock.now - exchange.started).milliseconds)",
            "complete": "\(complete)",
        ])
    }
}
