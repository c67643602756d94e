import Cache
import Logging
import Logs
import NIOHTTP1

/// One line per request, once its response has ended: method, path, what was asked of which
/// upstream and repository, how the cache answered (`Served`), the user (client authentication), status, body bytes sent, time to
/// the response head and to the end, the client, and whether the response was cut short.
///
/// With `accessLog: true` the line is written at `info` for every request; otherwise at `debug`
/// only. At the default level with it off, a request pays one comparison here; with it on, a
/// formatted line and a locked append (the closing note of issue 13 measures it). The line has
/// the layout and format (`LogFormat`) of every other record.
struct AccessLog: Sendable {
    let logger: Logger
    let level: Logger.Level
    private let lines: BufferedLines

    init(logger: Logger, everyRequest: Bool, lines: BufferedLines = .standardError) {
        self.logger = logger
        level = everyRequest ? .info : .debug
        self.lines = lines
    }

    /// Builds the line with its fields already in key order (no dictionary, no sort) and hands it
    /// to `BufferedLines`, which writes it with others from a queue of its own: the event loop
    /// that ends the response never makes the system call.
    func record(_ exchange: Exchange, _ served: Served?, status: UInt, bytes: Int64, headAt: ContinuousClock.Instant, complete: Bool) {
        guard logger.logLevel <= level else { return }
        let request = exchange.request.head
        var fields: [LogLine.Field] = [
            ("bytes", "\(bytes)"), ("client", exchange.client), ("complete", complete ? "true" : "false"),
        ]
        fields.reserveCapacity(14)
        if let served { fields.append(("kind", served.kind.rawValue)) }
        fields.append(("method", request.method.rawValue))
        fields.append(("ms", Self.milliseconds(ContinuousClock.now - exchange.started)))
        fields.append(("path", String(request.uri.prefix(300))))
        if let reference = served?.reference { fields.append(("reference", reference)) }
        if let repository = served?.repository { fields.append(("repository", repository.sentName)) }
        if let served { fields.append(("result", served.result.rawValue)) }
        fields.append(("status", "\(status)"))
        fields.append(("ttfbMs", Self.milliseconds(headAt - exchange.started)))
        if let repository = served?.repository { fields.append(("upstream", repository.upstream.name)) }
        if let user = served?.user { fields.append(("user", user)) }
        let format = LogFormat.current
        lines.append(LogLine.render(format, time: LogClock.stamp(format), level: "\(level)", label: logger.label, fields: fields,
                                    source: "Server", message: "request"))
    }

    /// Milliseconds with two decimals: a hit takes well under one.
    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
        let whole = hundredths / 100, fraction = hundredths % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
