import ArgumentParser
import OCI
import Store

struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a cached image (a manifest and everything it references) from being evicted.",
        discussion: "REF is REPOSITORY:TAG or REPOSITORY@DIGEST, as pulled through this cache. It must be cached already."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream the tag was pulled from, when the same REPOSITORY:TAG is cached from several.")
    var upstreamName: String?

    @Argument(help: "REPOSITORY:TAG or REPOSITORY@DIGEST")
    var reference: String

    func run() async throws {
        let (store, _) = try options.open(.reader)
        let digest = try resolveCached(reference, upstreamName: upstreamName, in: store)
        do {
            try await store.pin(digest, as: reference)
        } catch {
            fail("cannot pin \(reference): \(error)", status: 1)
        }
        let footprint = try store.pinnedFootprint(of: digest)
        print("pinned \(reference) (\(digest)): \(footprint.items) cached items, \(humanBytes(footprint.bytes))")
    }
}

struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Let a pinned image be evicted again.")

    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream the tag was pulled from, when the same REPOSITORY:TAG is cached from several.")
    var upstreamName: String?

    @Argument(help: "REPOSITORY:TAG or REPOSITORY@DIGEST")
    var reference: String

    func run() async throws {
        let (store, _) = try options.open(.reader)
        let digest = try resolveCached(reference, upstreamName: upstreamName, in: store)
        guard try await store.unpin(digest) else { fail("\(reference) (\(digest)) was not pinned", status: 1) }
        print("unpinned \(reference) (\(digest))")
    }
}

/// The manifest digest `reference` names in the cache, or a clear exit.
private func resolveCached(_ reference: String, upstreamName: String?, in store: ContentStore) throws -> Digest {
    let (repository, manifestReference) = splitReference(reference)
    guard let repository, let manifestReference else {
        fail("\(reference) is not REPOSITORY:TAG or REPOSITORY@DIGEST", status: 2)
    }
    switch manifestReference {
    case .digest(let digest):
        return digest
    case .tag(let tag):
        let matches = try store.cachedTags().filter {
            $0.repository == repository.value && $0.tag == tag.value && (upstreamName == nil || $0.upstream == upstreamName)
        }
        guard let match = matches.first else { fail("\(reference) is not in the cache; pull it through Stowage first", status: 1) }
        guard matches.count == 1 else {
            fail("\(reference) is cached from several upstreams (\(matches.map(\.upstream).joined(separator: ", "))); choose one with --upstream-name", status: 2)
        }
        return match.record.digest
    }
}

/// `repo:tag` or `repo@digest`, validated.
private func splitReference(_ text: String) -> (RepositoryName?, ManifestReference?) {
    let separator = text.firstIndex(of: "@") ?? text.lastIndex(of: ":")
    guard let separator else { return (nil, nil) }
    let repository = RepositoryName(String(text[..<separator]))
    let reference = try? ManifestReference.parse(String(text[text.index(after: separator)...])).get()
    return (repository, reference)
}
