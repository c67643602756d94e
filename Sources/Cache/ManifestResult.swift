import OCI
import Store

/// A manifest as the cache answers it: the exact bytes and media type the upstream gave it.
public struct ManifestResult: Sendable {
    public let digest: Digest
    public let mediaType: String
    public let bytes: [UInt8]
    /// Set when the bytes are served stale because the upstream could not be asked;
    /// becomes a `Warning: 299` header.
    public let staleWarning: String?

    init(_ manifest: StoredManifest, staleWarning: String? = nil) {
        digest = manifest.digest
        mediaType = manifest.mediaType
        bytes = manifest.bytes
        self.staleWarning = staleWarning
    }
}
