/// What happens once a response has ended, in one place: its access line and its metrics (none
/// with `metrics.listen: off`). A class: the writer's completion handlers capture one reference.
final class RequestRecorder: Sendable {
    let accessLog: AccessLog
    let metrics: RequestMetrics?

    init(accessLog: AccessLog, metrics: RequestMetrics?) {
        self.accessLog = accessLog
        self.metrics = metrics
    }

    func record(_ exchange: Exchange, _ served: Served?, status: UInt, bytes: Int64, headAt: ContinuousClock.Instant, complete: Bool) {
        metrics?.record(served, bytes: bytes, firstByte: headAt - exchange.started)
        accessLog.record(exchange, served, status: status, bytes: bytes, headAt: headAt, complete: complete)
    }
}
