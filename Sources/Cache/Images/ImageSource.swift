import OCI
import Store

/// Where an image walk reads an image from; one source serves one image's repository. The
/// sources say, by what they hold, what a walk over them can do:
///
/// | source | used by | reads | writes |
/// |---|---|---|---|
/// | `PullThroughImageSource` | preseed | the cache's public `manifest` (store, else upstream) | what a pull stores |
/// | `UpstreamImageSource` | check | `UpstreamContent`: the upstream only | nothing: it holds no store |
/// | `LocalImageSource` | export | `LocalContent`: the store only, linked content only | nothing: it holds no upstream |
/// | `BundleImageSource` (AirGap) | import | a staged bundle | nothing (the import records after) |
///
/// Manifests come as `StoredManifest`: exact bytes, media type and digest (checked against the
/// bytes wherever they were fetched or read), whether or not the source stores them. Failures
/// are the source's own, in the terms its command reports them (a check's failure class,
/// preseed's registry error, export's "preseed it first", import's bundle error).
public protocol ImageSource {
    associatedtype Failure: Error
    /// What the source says of a blob the image lists: a size, nothing, …
    associatedtype BlobAnswer

    /// The manifest the image's own reference names; throws when the source cannot give it.
    func manifest(_ reference: ManifestReference) async throws(Failure) -> StoredManifest

    /// A manifest an index lists (`entry`). Nil when the source does not hold it (a platform that
    /// was not cached or not exported); a source that fetches throws instead.
    func child(_ entry: ContentDescriptor) async throws(Failure) -> StoredManifest?

    /// Asks the source about one blob of the image; throws when it lacks it or it is wrong.
    func blob(_ blob: ImageBlob) async throws(Failure) -> BlobAnswer

    /// The failure for an index of which the walk got no child for `platforms` (all when empty):
    /// none is for those platforms, or the source holds none of them.
    func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> Failure
}
