import OCI

/// A manifest as the upstream answered it. The digest is the upstream's claim, unverified.
public struct UpstreamManifest: Sendable, Equatable {
    /// `Content-Type` without parameters, e.g. `application/vnd.oci.image.index.v1+json`.
    public let mediaType: String
    /// `Docker-Content-Digest`.
    public let digest: String?
    /// `Content-Length`; for a GET without one, the length of the body read.
    public let size: Int64?
    /// The exact bytes; nil for a HEAD.
    public let bytes: [UInt8]?

    public init(mediaType: String, digest: String?, size: Int64?, bytes: [UInt8]?) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.bytes = bytes
    }

    /// Larger manifests are refused rather than buffered (containerd's limit is about the same).
    public static let maximumBytes = 4 << 20

    /// Every manifest type, always: a narrower `Accept` makes distribution answer 404 for OCI
    /// content or serve one platform's manifest in place of a list.
    static let acceptHeader = ManifestMediaType.all.joined(separator: ", ")

    /// `application/json; charset=utf-8` → `application/json`; an absent header → "".
    static func mediaType(fromContentType contentType: String?) -> String {
        guard let contentType else { return "" }
        let type = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingHTTPWhitespace
    }
}
