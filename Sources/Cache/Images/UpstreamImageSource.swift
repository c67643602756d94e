import OCI
import Store
import Upstream

/// An image at its upstream (`stowage check`): each manifest is fetched and verified against its
/// digest, each blob asked for with a `HEAD`, through `UpstreamContent` (no store), so it stores
/// nothing by construction. Failures name the part that failed (`tag 1.0 of app/api`,
/// `manifest sha256:… (linux/arm64)`, `blob sha256:…`) with their class.
public struct UpstreamImageSource: ImageSource, Sendable {
    let content: UpstreamContent
    let repository: CacheRepository
    let tag: Tag?
    /// The image's full reference, for messages.
    let name: String

    public init(_ target: ImageTarget, through content: UpstreamContent) {
        self.content = content
        repository = target.repository
        tag = target.tag
        name = target.name
    }

    public func manifest(_ reference: ManifestReference) async throws(CheckFailure) -> StoredManifest {
        try await fetch(reference, part: tag.map { "tag \($0.value) of \(repository.name)" } ?? "manifest \(name)")
    }

    public func child(_ entry: ContentDescriptor) async throws(CheckFailure) -> StoredManifest? {
        try await fetch(.digest(entry.digest), part: "manifest \(entry.digest)\(Self.suffix(entry.platform))")
    }

    /// Passes when the upstream has the blob at the size its manifest gives.
    public func blob(_ blob: ImageBlob) async throws(CheckFailure) {
        let part = "blob \(blob.digest)\(Self.suffix(blob.platform))"
        let answered: Int64?
        do {
            answered = try await content.headBlob(repository, blob.digest)
        } catch {
            throw CheckFailure(error, part: part)
        }
        if let size = blob.size, let answered, size != answered {
            throw CheckFailure(kind: .digestMismatch, part: part, message: "the upstream has \(answered) bytes, the manifest says \(size)")
        }
    }

    public func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> CheckFailure {
        let available = index.childPlatforms.map(\.description).joined(separator: ", ")
        return CheckFailure(kind: .notFound, part: "platform \(platforms.map(\.description).joined(separator: ", "))",
                            message: "the index has no manifest for it (it has \(available))")
    }

    private func fetch(_ reference: ManifestReference, part: String) async throws(CheckFailure) -> StoredManifest {
        do {
            return try await content.fetch(repository, reference)
        } catch {
            switch error {
            case .upstream(let error):
                throw CheckFailure(error, part: part)
            case .withoutBody:
                throw CheckFailure(kind: .upstreamError, part: part, message: "the upstream sent no body")
            case .notAManifest(let mediaType):
                throw CheckFailure(kind: .upstreamError, part: part,
                                   message: "the upstream answered with something that is not a manifest (\(UpstreamContent.ManifestFailure.whatCame(mediaType)))")
            case .mismatch(let mismatch):
                throw CheckFailure(kind: .digestMismatch, part: part, message: "the upstream sent bytes hashing to \(mismatch.computed), not \(mismatch.claimed)")
            }
        }
    }

    /// ` (linux/arm64)` after a part of an index's child; nothing otherwise.
    private static func suffix(_ platform: Platform?) -> String {
        platform.map { " (\($0))" } ?? ""
    }
}
