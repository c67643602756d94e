import AsyncHTTPClient

public enum UpstreamMethod: Sendable {
    case get
    case head
}

/// A manifest response: a HEAD has no bytes.
public struct UpstreamManifest: Sendable {
    /// `Content-Type` without parameters.
    public let mediaType: String
    /// `Docker-Content-Digest`, unverified.
    public let digest: String?
    public let size: Int64?
    public let bytes: [UInt8]?
}

/// A blob response whose body is still streaming from the upstream, with back-pressure.
public struct UpstreamBlob: Sendable {
    public typealias Body = HTTPClientResponse.Body
    public let contentLength: Int64?
    public let mediaType: String?
    public let body: Body
}

/// A `tags/list` (or `_catalog`) page as the upstream sent it.
public struct UpstreamListing: Sendable {
    public let bytes: [UInt8]
    public let contentType: String?
    /// The raw `Link` header.
    public let link: String?
}
