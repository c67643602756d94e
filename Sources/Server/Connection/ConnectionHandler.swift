import Logging
import NIOCore
import NIOHTTP1

/// One client connection's requests, in order. It sits after NIO's `HTTPServerPipelineHandler`,
/// which hands over a pipelined request only once the previous response has ended (and which
/// closes the connection after the current response when the server drains).
///
/// Each request is resolved once (`RegistryHandler.resolve`). An answer in hand is written at
/// once, on this event loop. Other requests run on a task of their own, which ends with the
/// response; if the client disconnects meanwhile, the task is cancelled, so a client following a
/// download stops following it at once.
///
/// Ordering: the pipelining handler delivers the next request from inside the write of the
/// previous response's end, before that write completes; so each request carries a sequence
/// number, and only the current request's end re-arms the idle timer or clears the task.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: RegistryHandler
    private let writer: ResponseWriter
    private let timeouts: ConnectionTimeouts
    private var head: HTTPRequestHead?
    /// The request being answered, counted from 1.
    private var current: UInt64 = 0
    /// The asynchronous part of the current request, if it has one.
    private var work: Task<Void, Never>?
    /// The client's `IP:port`, read once per connection (for the access line).
    private var client: String?

    init(handler: RegistryHandler, writer: ResponseWriter, timeouts: ConnectionTimeouts) {
        self.handler = handler
        self.writer = writer
        self.timeouts = timeouts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            timeouts.requestHeadReceived()
        case .body:
            break  // The pull API has no request bodies; push verbs are refused.
        case .end:
            guard let head else { return }
            self.head = nil
            let client = self.client ?? Self.describe(context.channel.remoteAddress)
            self.client = client
            respond(to: Exchange(request: RegistryRequest(head), started: .now, client: client), context: context)
        }
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "-" }
        return address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }

    /// A malformed or oversized request, or a broken socket: the connection cannot go on.
    ///
    /// A request that cannot be parsed is answered `400` first, as NIO's protocol error handler
    /// would (this handler does its job, one handler hop less on every response). NIO's pipelining
    /// handler passes a parse error on only when no response is under way (it holds it until the
    /// current one ends) and then admits one response, so the `400` never interleaves with another.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            let headers: HTTPHeaders = ["Connection": "close", "Content-Length": "0", "Docker-Distribution-API-Version": "registry/2.0"]
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        work?.cancel()
        work = nil
        context.fireChannelInactive()
    }

    private func respond(to exchange: Exchange, context: ChannelHandlerContext) {
        current &+= 1
        let sequence = current
        switch handler.resolve(exchange.request) {
        case .now(let response):
            writer.write(response, for: exchange, context: context) { [self] outcome in
                ended(sequence, outcome, context: context)
            }
        case .later(let answer):
            let connection = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let (writer, channel) = (writer, context.channel)
            work = Task {
                let response = await answer()
                if response.isStreamed {
                    let outcome = await writer.stream(response, for: exchange, on: channel)
                    channel.eventLoop.execute {
                        let (handler, context) = connection.value
                        handler.ended(sequence, outcome, context: context)
                    }
                } else {
                    channel.eventLoop.execute {
                        let (handler, context) = connection.value
                        handler.writer.write(response, for: exchange, context: context) { outcome in
                            handler.ended(sequence, outcome, context: context)
                        }
                    }
                }
            }
        }
    }

    /// On the event loop, once request `sequence`'s response has been written.
    private func ended(_ sequence: UInt64, _ outcome: ResponseWriter.Outcome, context: ChannelHandlerContext) {
        guard outcome.reusable else {
            context.close(promise: nil)
            return
        }
        guard sequence == current else { return }  // a pipelined request is already being answered
        work = nil
        timeouts.responseEnded(context: context)
    }
}
