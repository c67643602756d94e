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

    /// Writes the line's bytes with its fields already in key order (no dictionary, no sort, no
    /// intermediate strings: `LogLineBuilder`) straight into this thread's buffer of `BufferedLines`,
    /// which writes them with others from a queue of its own: the event loop that ends the response
    /// never makes the system call, nor allocates for the line.
    func record(_ exchange: Exchange, _ served: Served?, status: UInt, bytes: Int64, headAt: ContinuousClock.Instant, complete: Bool) {
        guard logger.logLevel <= level else { return }
        let request = exchange.request.head
        let format = LogFormat.current
        let time = LogClock.stamp(format)
        let milliseconds = Self.hundredthsOfMilliseconds(ContinuousClock.now - exchange.started)
        let path = request.uri.utf8.count > Self.pathLimit ? String(request.uri.prefix(Self.pathLimit)) : request.uri
        let repository = served?.repository
        let repositoryName = repository?.sentName
        let scanned = request.method.rawValue.utf8.count + path.utf8.count + (repository?.upstream.name.utf8.count ?? 0) + (served?.user?.utf8.count ?? 0)
        let plain = exchange.client.utf8.count + (served?.reference?.utf8.count ?? 0) + (repositoryName?.utf8.count ?? 0)
            + 4 * 20 + 3 * 16  // 4 numbers; complete, kind and result
        let capacity = LogLineBuilder.bound(time: time, level: level.rawValue, label: logger.label, source: "Server", message: "request",
                                            fieldCount: 14, fieldBytes: 14 * 10 + scanned, plainBytes: plain)  // keys under 10 bytes
        lines.append { buffer in
            LogLineBuilder.write(format, time: time, level: level.rawValue, label: logger.label, source: "Server", message: "request",
                                 into: &buffer, capacity: capacity) { line in
                line.field("bytes", bytes)
                // Plain: an address, constants, and names routing validated (`RepositoryName`,
                // `ManifestReference`, a prefix checked as a repository path). The method (any token a
                // client sends), the path, the upstream's name and the user are scanned.
                line.field("client", plain: exchange.client)
                line.field("complete", plain: complete ? "true" : "false")
                if let served { line.field("kind", plain: served.kind.rawValue) }
                line.field("method", request.method.rawValue)
                line.field("ms", hundredths: milliseconds)
                line.field("path", path)
                if let reference = served?.reference { line.field("reference", plain: reference) }
                if let repositoryName { line.field("repository", plain: repositoryName) }
                if let served { line.field("result", plain: served.result.rawValue) }
                line.field("status", Int64(status))
                line.field("ttfbMs", hundredths: Self.hundredthsOfMilliseconds(headAt - exchange.started))
                if let repository { line.field("upstream", repository.upstream.name) }
                if let user = served?.user { line.field("user", user) }
            }
        }
    }

    /// The longest path written (in bytes; a longer one is cut).
    private static let pathLimit = 300

    /// Hundredths of a millisecond: a hit takes well under one.
    private static func hundredthsOfMilliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 100_000 + attoseconds / 10_000_000_000_000
    }
}
