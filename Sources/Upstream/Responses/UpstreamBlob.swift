/// A blob whose body is still arriving from the upstream (or the storage it redirected to).
///
/// `body` streams with back-pressure and is never buffered whole (see `ByteStream`). A stall
/// longer than the upstream's read timeout throws from its `next()`.
public struct UpstreamBlob: Sendable {
    public typealias Body = ByteStream

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
