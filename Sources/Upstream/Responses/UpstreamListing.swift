/// One page of `tags/list` or `_catalog`, as the upstream sent it.
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

    /// The query of the `Link` header's next page (`n=…&last=…`), nil on the last page.
    public var nextQuery: String? {
        guard let link, let open = link.firstIndex(of: "<"), let close = link[open...].firstIndex(of: ">") else { return nil }
        let target = link[link.index(after: open)..<close]
        guard let question = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: question)...])
    }
}
