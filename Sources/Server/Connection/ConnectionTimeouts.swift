import Logging
import NIOCore

/// The idle and request-head timeouts of one connection (see `ConnectionLimits`). It sits first
/// in the pipeline, so it sees bytes before the HTTP decoder; `ConnectionHandler` tells it when a
/// request head is complete and when a response has ended.
///
/// Phases: `idle` (waiting for a request; the idle timer runs) → first byte → `readingHead` (the
/// head timer runs) → head complete → `serving` (no timer: the response's own pace rules) →
/// response ended → `idle`. A timer that fires closes the connection.
///
/// Cost on the hit path: a response's end moves the idle deadline, which is a clock read; a timer
/// is scheduled only when none is pending or the deadline moved earlier, and one that fires early
/// (the deadline moved later) re-arms itself for the rest. A head that arrives in one read never
/// arms the head timer. So a keep-alive connection answering many requests schedules about one
/// timer per idle timeout, plus one per request whose head arrives in pieces.
final class ConnectionTimeouts: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase { case idle, readingHead, serving }

    private let limits: ConnectionLimits
    private let logger: Logger
    private var phase = Phase.idle
    /// When the connection is closed unless something happens first; nil while serving.
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?
    /// When the pending timer fires.
    private var timerDue = NIODeadline.distantFuture

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.idleTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        deadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase == .idle else {
            context.fireChannelRead(data)
            return
        }
        phase = .readingHead
        // The decoder runs inside this call: a head that arrived whole has been handed over (and
        // `requestHeadReceived` called) when it returns, so only a partial head arms the timer.
        context.fireChannelRead(data)
        if phase == .readingHead { arm(limits.requestHeadTimeout, context: context) }
    }

    /// A request head has been parsed: it is served at the response's pace.
    func requestHeadReceived() {
        phase = .serving
        deadline = nil
    }

    /// The response has ended and the connection stays open for the next request.
    func responseEnded(context: ChannelHandlerContext) {
        phase = .idle
        arm(limits.idleTimeout, context: context)
    }

    private func arm(_ timeout: Duration, context: ChannelHandlerContext) {
        let due = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        deadline = due
        // A pending timer that fires later than the new deadline would fire too late.
        if timer == nil || due < timerDue {
            timer?.cancel()
            schedule(at: due, context: context)
        }
    }

    private func schedule(at due: NIODeadline, context: ChannelHandlerContext) {
        timerDue = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            timer = nil
            guard let deadline else { return }  // serving: no timeout
            guard NIODeadline.now() >= deadline else {
                schedule(at: deadline, context: context)
                return
            }
            logger.debug("closing connection", metadata: [
                "reason": "\(phase == .readingHead ? "request head not complete in time" : "idle")",
                "client": "\(context.remoteAddress.map { "\($0)" } ?? "?")",
            ])
            context.close(promise: nil)
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }

    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
