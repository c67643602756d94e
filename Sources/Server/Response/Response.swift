import Cache
import NIOCore
import NIOHTTP1
import OCI

/// What the handler decided to send; `ResponseWriter` writes it.
struct Response: Sendable {
    enum Body: Sendable {
        case none
        /// Bytes in hand (a manifest as read from the index, an error, a listing), sent as they are.
        case buffer(ByteBuffer)
        /// A byte range `[first, last]` of a committed blob, sent with sendfile; the blob is released
        /// (its lease ended) once sent.
        case file(StoredBlob, first: Int64, last: Int64)
        /// A cache miss, followed as the shared fetch writes it.
        case follow(BlobFollower)
        /// A cache miss with no room to keep it, streamed from its own upstream response.
        case passThrough(BlobPassThrough)
    }

    /// Whether the body is sent as it becomes available (`ResponseWriter.stream`) rather than in one trip.
    var isStreamed: Bool {
        switch body {
        case .follow, .passThrough: true
        case .none, .buffer, .file: false
        }
    }

    var status: HTTPResponseStatus
    var headers: ResponseHeaders
    var body: Body
    /// How it was answered, for the access line; `RegistryHandler.resolve` sets it on every response.
    var served: Served?

    init(status: HTTPResponseStatus, headers: ResponseHeaders = ResponseHeaders(), body: Body = .none) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Adds the headers every response carries and decides how its body is delimited; returns that,
    /// and whether the connection may serve another request after this one.
    mutating func prepare(for request: HTTPRequestHead) -> (keepAlive: Bool, framing: BodyFraming) {
        headers.add(name: "Docker-Distribution-API-Version", value: "registry/2.0")
        var keepAlive = request.isKeepAlive
        let framing: BodyFraming
        if case .HEAD = request.method {
            framing = .none
        } else if status == .noContent || status == .notModified || status.code < 200 {
            framing = .none
        } else if headers.hasContentLength {
            framing = .length
        } else if !isStreamed {
            // Every body in hand has its length; one without a body says so.
            headers.addContentLength(0)
            framing = .length
        } else if request.version.major == 1 && request.version.minor == 0 {
            framing = .untilClose
            keepAlive = false
        } else {
            headers.add(name: "Transfer-Encoding", value: "chunked")
            framing = .chunked
        }
        guard keepAlive else {
            headers.add(name: "Connection", value: "close")
            return (false, framing)
        }
        if request.version.major == 1 && request.version.minor == 0 {
            // HTTP/1.0 closes by default: a client that asked to keep the connection must be told it may.
            headers.add(name: "Connection", value: "keep-alive")
        }
        return (true, framing)
    }

    /// An OCI error body with the status its code travels with.
    static func error(_ error: RegistryError, includeBody: Bool = true) -> Response {
        let body = ByteBuffer(string: error.jsonBody)
        var headers: ResponseHeaders = ["Content-Type": "application/json"]
        headers.addContentLength(Int64(body.readableBytes))
        if let retryAfter = error.retryAfter { headers.add(name: "Retry-After", value: retryAfter) }
        return Response(status: .init(statusCode: error.status), headers: headers, body: includeBody ? .buffer(body) : .none)
    }
}
