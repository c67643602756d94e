/// What the cache asks of an upstream registry: the pull side of the distribution API, in the
/// upstream's own names, with typed errors that keep their meaning. `RegistryClient` is the real
/// one; tests stand in an in-process registry that counts what it is asked.
public protocol RemoteRegistry: Sendable {
    /// Who the upstream is and how it is reached (its name appears in every message).
    var settings: UpstreamSettings { get }

    /// A manifest by tag or digest; a `head` has no body.
    func manifest(repository: String, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest

    /// A blob, its body still streaming.
    func blob(repository: String, digest: String) async throws(UpstreamError) -> UpstreamBlob

    /// A blob's size from a `HEAD`, nothing downloaded; nil when the upstream does not say.
    func blobSize(repository: String, digest: String) async throws(UpstreamError) -> Int64?

    /// One page of a repository's tags; `query` (`n=…&last=…`) passed on unchanged.
    func tags(repository: String, query: String?) async throws(UpstreamError) -> UpstreamListing

    /// One page of the upstream's catalog; `query` passed on unchanged.
    func catalog(query: String?) async throws(UpstreamError) -> UpstreamListing
}

extension RegistryClient: RemoteRegistry {}
