import OCI
import Store

/// A manifest request the store could not answer alone, with what the store held for it.
public struct PendingManifest: Sendable {
    let repository: CacheRepository
    let reference: ManifestReference
    let found: Found

    enum Found: Sendable {
        /// Nothing under this reference.
        case notCached
        /// Cached by digest, through another repository (invariant 5: the upstream must confirm it).
        case notLinked
        /// A tag whose confirmation is older than its upstream's `tagTTL`: revalidated with a HEAD.
        case stale(TagKey, StoredManifest)
    }
}
