/// One page of `tags/list`, as the upstream sent it.
public struct UpstreamListing: Sendable, Equatable {
    public let bytes: [UInt8]
    public let contentType: String?
    /// The raw `Link` header (`<…?n=…&last=…>; rel="next"`), nil on the last page.
    public let link: String?

    public init(bytes: [UInt8], contentType: String?, link: String?) {
        self.bytes = bytes
        self.contentType = contentType
        self.link = link
    }

    /// Larger listings are refused rather than buffered.
    public static let maximumBytes = 16 << 20
}
