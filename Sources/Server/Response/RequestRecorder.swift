/// What happens once a response has ended, in one place: its access line and its metrics.
struct RequestRecorder: Sendable {
    let accessLog: AccessLog
    let metrics: RequestMetrics

    func record(_ exchange: Exchange, _ served: Served?, status: UInt, bytes: Int64, headAt: ContinuousClock.Instant, complete: Bool) {
        metrics.record(served, bytes: bytes, firstByte: headAt - exchange.started)
        accessLog.record(exchange, served, status: status, bytes: bytes, headAt: headAt, complete: complete)
    }
}
