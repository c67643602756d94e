import AsyncHTTPClient

/// A blob whose body is still arriving from the upstream (or the storage it redirected to).
///
/// `body` streams with back-pressure: bytes are read from the socket only as fast as it is
/// iterated, and it is never buffered whole. Iterate it once. If the consuming task is cancelled,
/// `next()` throws `CancellationError`; if the body is dropped unread, the connection is closed.
/// A stall longer than the read timeout throws `HTTPClientError.readTimeout` from `next()`.
public struct UpstreamBlob: Sendable {
    public typealias Body = HTTPClientResponse.Body

    /// `Content-Length`, if the upstream sent one (a chunked answer has none).
    public let contentLength: Int64?
    /// `Content-Type` as sent; registries and storage often say `application/octet-stream`.
    public let mediaType: String?
    public let body: Body

    public init(contentLength: Int64?, mediaType: String?, body: Body) {
        self.contentLength = contentLength
        self.mediaType = mediaType
        self.body = body
    }
}
