import ArgumentParser
import Console
import OCI
import Store

struct Pin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep a cached image (a manifest and everything it references) from being evicted.",
        discussion: "REF is REPOSITORY:TAG or REPOSITORY@DIGEST, as pulled through this cache or as `stowage ls` prints it (UPSTREAM/REPOSITORY:TAG). It must be cached already."
    )

    @OptionGroup var target: CachedReference

    func run() async throws {
        let (store, digest) = try target.resolve()
        do {
            try await store.pin(digest, as: target.reference)
        } catch {
            fail("cannot pin \(target.reference): \(error)", status: 1)
        }
        let footprint = try store.pinnedFootprint(of: digest)
        print("pinned \(target.reference) (\(digest)): \(footprint.items) cached items, \(Formatting.bytes(footprint.bytes))")
    }
}

struct Unpin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Let a pinned image be evicted again.")

    @OptionGroup var target: CachedReference

    func run() async throws {
        let (store, digest) = try target.resolve()
        guard try await store.unpin(digest) else { fail("\(target.reference) (\(digest)) was not pinned", status: 1) }
        print("unpinned \(target.reference) (\(digest))")
    }
}

/// A `repo:tag` or `repo@digest` the cache holds, and the store to find it in.
struct CachedReference: ParsableArguments {
    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream the tag was pulled from, when the same REPOSITORY:TAG is cached from several.")
    var upstreamName: String?

    @Argument(help: "REPOSITORY:TAG, REPOSITORY@DIGEST, or UPSTREAM/REPOSITORY:TAG as `stowage ls` prints it")
    var reference: String

    /// Opens the store beside a running server and finds the manifest digest, or exits clearly.
    func resolve() throws -> (ContentStore, Digest) {
        let (store, _) = options.open(.reader)
        let tags = try store.cachedTags().filter { upstreamName == nil || $0.upstream == upstreamName }
        // As `ls` prints it, whatever the upstream's name (a host:port has a colon of its own).
        if let listed = tags.first(where: { $0.listedName == reference }) { return (store, listed.record.digest) }
        let separator = reference.firstIndex(of: "@") ?? reference.lastIndex(of: ":")
        guard let separator, let repository = RepositoryName(String(reference[..<separator])),
              let manifestReference = try? ManifestReference.parse(String(reference[reference.index(after: separator)...])).get() else {
            fail("\(reference) is not REPOSITORY:TAG or REPOSITORY@DIGEST", status: 2)
        }
        switch manifestReference {
        case .digest(let digest):
            return (store, digest)
        case .tag(let tag):
            let matches = tags.filter { $0.isInRepository(named: repository.value) && $0.tag == tag.value }
            guard let match = matches.first else { fail("\(reference) is not in the cache; pull it through Stowage first", status: 1) }
            guard matches.count == 1 else {
                let upstreams = matches.map(\.upstream).joined(separator: ", ")
                fail("\(reference) is cached from several upstreams (\(upstreams)); choose one with --upstream-name", status: 2)
            }
            return (store, match.record.digest)
        }
    }
}
