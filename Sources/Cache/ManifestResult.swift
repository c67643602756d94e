import NIOCore
import OCI
import Store

/// A manifest as the cache answers it: the exact bytes and media type the upstream gave it.
public struct ManifestResult: Sendable {
    public let digest: Digest
    public let mediaType: String
    /// The exact bytes, in the buffer they were read or fetched into (sent without another copy).
    public let body: ByteBuffer
    /// Set when the bytes are served stale because the upstream could not be asked;
    /// becomes a `Warning: 299` header.
    public let staleWarning: String?
    /// Whether the bytes were fetched from the upstream for this answer (not read from the store,
    /// even when the upstream was asked to confirm or revalidate them).
    public let fetched: Bool

    init(_ manifest: StoredManifest, staleWarning: String? = nil, fetched: Bool = false) {
        digest = manifest.digest
        mediaType = manifest.mediaType
        body = manifest.body
        self.staleWarning = staleWarning
        self.fetched = fetched
    }
}
