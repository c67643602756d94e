import Access
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import OCI

/// One client connection's requests, in order. It sits after NIO's request decoder and writes the
/// responses' bytes itself (`ResponseWriter`): there is no response encoder and no pipelining
/// handler in the pipeline (`RegistryServer` says why).
///
/// Each request is resolved once (`RegistryHandler.resolve`). An answer in hand is written at
/// once, on this event loop. Other requests run on a task of their own, which ends with the
/// response; if the client disconnects meanwhile, the task is cancelled, so a client following a
/// download stops following it at once.
///
/// Pipelining (requests sent before the previous answer arrived), in this order:
/// - A request that arrives while a response is being written waits in `waiting`; when the
///   response ends, the next one is answered. So responses leave in request order.
/// - While `maximumWaiting` requests wait, reads stop (the `read` event is held), and resume when
///   the queue is below it again: a client cannot queue without bound.
/// - A request that cannot be parsed (or whose head is over the limits), and an HTTP/1.1 request
///   without exactly one `Host` (RFC 9112 §3.2), is answered `400` (an OCI error saying why) once
///   the responses before it have ended, and the connection is closed.
/// - A `CONNECT` or a request to switch protocols (`Upgrade`) is answered (405, or what its route
///   gives) and the connection closed after it: NIO's decoder parses nothing after such a request.
/// - When the server drains (`ChannelShouldQuiesceEvent`), an idle connection is closed at once, a
///   busy one once its current response has ended (requests still waiting are not answered).
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Requests that may wait behind the one being answered before reading stops.
    static let maximumWaiting = 16

    private let handler: RegistryHandler
    private let writer: ResponseWriter
    private let timeouts: ConnectionTimeouts
    private var head: HTTPRequestHead?
    /// Whether a response is being written (or its request resolved).
    private var answering = false
    /// Requests read while another was being answered, in order.
    private var waiting: [Exchange] = []
    /// Why the request cannot be answered, to say in a `400` once the responses before it have ended.
    private var failedRequest: String?
    /// The `400` has been written: a decoder that reports more errors gets no second one.
    private var badRequestAnswered = false
    /// The server is draining: close once the current response has ended.
    private var quiescing = false
    /// The current request is the connection's last (a `CONNECT` or an `Upgrade`).
    private var lastRequest = false
    /// A `read` held back while too many requests wait.
    private var readHeld = false
    /// The asynchronous part of the current request, if it has one.
    private var work: Task<Void, Never>?
    /// The client's `IP:port` and the user its certificate names, read once per connection.
    private var peer: (client: String, certificateUser: String?)?

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
            guard let head, failedRequest == nil else { return }
            self.head = nil
            guard Self.hasOneHost(head) else {
                failedRequest = "an HTTP/1.1 request carries exactly one Host header"
                if !answering { answerBadRequest(context: context) }
                return
            }
            let peer = self.peer ?? (Self.describe(context.channel.remoteAddress), certificateUser(context: context))
            self.peer = peer
            let exchange = Exchange(request: RegistryRequest(head), started: .now, client: peer.client, certificateUser: peer.certificateUser)
            if answering || quiescing {
                waiting.append(exchange)
            } else {
                respond(to: exchange, context: context)
            }
        }
    }

    /// HTTP/1.1 requires exactly one `Host`; HTTP/1.0 at most one.
    private static func hasOneHost(_ head: HTTPRequestHead) -> Bool {
        var count = 0
        for (name, _) in head.headers where name.utf8.count == 4 && name.lowercased() == "host" { count += 1 }
        return head.version.minor == 0 ? count <= 1 : count == 1
    }

    /// Whether NIO's decoder stops after this request: it then reads the rest as another protocol.
    private static func endsParsing(_ head: HTTPRequestHead) -> Bool {
        if case .CONNECT = head.method { return true }
        return head.headers.contains(name: "Upgrade")
    }

    /// Holds reads back while too many requests wait to be answered.
    func read(context: ChannelHandlerContext) {
        if waiting.count >= Self.maximumWaiting {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// The user the client's certificate names, if client authentication takes users from
    /// certificates (the TLS handshake verified it against the client CA before any request).
    private func certificateUser(context: ChannelHandlerContext) -> String? {
        guard handler.access?.certificateUsers == true,
              let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
              let der = try? certificate.toDERBytes() else { return nil }
        return CertificateUser.name(derEncoded: der)
    }

    private static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "-" }
        return address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }

    /// A malformed or oversized request, or a broken socket: the connection cannot go on. A request
    /// that cannot be parsed is answered `400` (after the responses before it), then closed.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        failedRequest = Self.reason(error)
        if !answering { answerBadRequest(context: context) }
    }

    /// What a client is told of a request NIO's decoder refused (never the client's bytes).
    private static func reason(_ error: HTTPParserError) -> String {
        let limits = ConnectionLimits.headerLimits
        return switch error {
        case .headerOverflow:
            "the request head is over the limits (\(limits.maxHeaderListSize >> 10) KiB of headers, "
                + "\(limits.maxHeaderFieldSize >> 10) KiB a field, \(limits.maxHeaderFieldCount) fields)"
        case .invalidVersion: "not an HTTP/1.0 or HTTP/1.1 request line"
        case .invalidMethod: "unknown method"
        default: "malformed HTTP/1.1 request (\(error))"
        }
    }

    private func answerBadRequest(context: ChannelHandlerContext) {
        guard !badRequestAnswered, let reason = failedRequest else { return }
        badRequestAnswered = true
        let body = RegistryError(.unsupported, reason, status: 400).jsonBody
        var buffer = context.channel.allocator.buffer(capacity: 192 + body.utf8.count)
        var headers: ResponseHeaders = ["Connection": "close", "Content-Type": "application/json", "Docker-Distribution-API-Version": "registry/2.0"]
        headers.addContentLength(Int64(body.utf8.count))
        ResponseHead.write(version: .http1_1, status: .badRequest, headers: headers, into: &buffer)
        buffer.writeString(body)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if !answering { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        work?.cancel()
        work = nil
        waiting.removeAll()
        context.fireChannelInactive()
    }

    private func respond(to exchange: Exchange, context: ChannelHandlerContext) {
        answering = true
        lastRequest = Self.endsParsing(exchange.request.head)
        switch handler.resolve(exchange.request, certificateUser: exchange.certificateUser) {
        case .now(let response):
            writer.write(response, for: exchange, context: context) { [self] outcome in
                ended(outcome, context: context)
            }
        case .later(let answer):
            let connection = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let (writer, channel) = (writer, context.channel)
            work = Task {
                var response = await answer()
                if response.isStreamed {
                    switch await writer.stream(response, for: exchange, on: channel) {
                    case .ended(let outcome):
                        channel.eventLoop.execute {
                            let (handler, context) = connection.value
                            handler.ended(outcome, context: context)
                        }
                        return
                    case .replaced(let error):
                        response = error
                    }
                }
                channel.eventLoop.execute { [response] in
                    let (handler, context) = connection.value
                    handler.writer.write(response, for: exchange, context: context) { outcome in
                        handler.ended(outcome, context: context)
                    }
                }
            }
        }
    }

    /// On the event loop, once the current response has been written: the next request, if one
    /// waits and the connection may serve it; else the idle timer, or the close.
    private func ended(_ outcome: ResponseWriter.Outcome, context: ChannelHandlerContext) {
        answering = false
        work = nil
        guard outcome.reusable, !quiescing, !lastRequest else {
            context.close(promise: nil)
            return
        }
        if !waiting.isEmpty {
            let next = waiting.removeFirst()
            if readHeld && waiting.count < Self.maximumWaiting {
                readHeld = false
                context.read()
            }
            timeouts.requestHeadReceived()
            respond(to: next, context: context)
        } else if failedRequest != nil {
            answerBadRequest(context: context)
        } else {
            timeouts.responseEnded(context: context)
        }
    }
}
