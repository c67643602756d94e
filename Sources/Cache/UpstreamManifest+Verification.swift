import OCI
import Store
import Upstream

extension UpstreamManifest {
    /// The digest of the body (empty for a HEAD), checked against the digest it must have: the one
    /// the request named, else the upstream's `Docker-Content-Digest` when that is sha256 (another
    /// algorithm cannot be checked here and is not trusted either). Invariant 2: bytes that do not
    /// match are never used. The one check of a fetched manifest's digest.
    func verifiedDigest(expected: Digest?) throws(ManifestDigestMismatch) -> Digest {
        let computed = SHA256Hasher.digest(of: bytes ?? [])
        let claimed = expected ?? digest.flatMap(Digest.init).flatMap { $0.isSHA256 ? $0 : nil }
        if let claimed, claimed != computed { throw ManifestDigestMismatch(claimed: claimed, computed: computed) }
        return computed
    }
}

/// A manifest whose bytes hash to `computed`, not to the `claimed` digest they had to have.
struct ManifestDigestMismatch: Error, Sendable {
    let claimed: Digest
    let computed: Digest
}
