import ArgumentParser
import Console
import OCI
import Store

/// `stowage rm`: an image or a whole repository out of the cache, beside a running server.
struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove an image or a whole repository from the cache; content nothing else uses is deleted.",
        discussion: """
            TARGET is REPOSITORY:TAG, REPOSITORY@DIGEST or REPOSITORY, as pulled through this cache or as `stowage ls` \
            prints it (UPSTREAM/REPOSITORY:TAG). A tag takes its image with it unless another tag of the repository names \
            the same manifest; a digest takes every tag naming it; a repository takes all of its tags and content. Content \
            another repository still uses, or a pin holds, is kept; the rest is deleted and its disk space freed. A pinned \
            image is refused (unpin it first). Safe beside a running `stowage serve`: the removal is one index transaction, \
            and its files are unlinked under the store's writer lock; the next pull of what was removed fetches it again.
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The upstream the repository was cached from, when the same name is cached from several.")
    var upstreamName: String?

    @Argument(help: "REPOSITORY:TAG, REPOSITORY@DIGEST or REPOSITORY, or UPSTREAM/REPOSITORY:TAG as `stowage ls` prints it")
    var target: String

    func run() async throws {
        let (store, _) = options.open(.reader)
        let removal = try resolve(in: store)
        let report: RemovalReport
        do {
            report = try await store.remove(removal)
        } catch {
            fail("cannot remove \(target): \(error)", status: 1)
        }
        let tags = report.tags.count == 1 ? "1 tag" : "\(report.tags.count) tags"
        print("removed \(target): \(tags), \(report.unlinked) items unlinked, \(report.deleted) deleted (\(Formatting.bytes(report.deletedBytes)) freed), "
              + "\(report.kept) kept (used by another repository or pinned)")
    }

    /// What `target` names: a tag as `ls` prints it first (an upstream's name may hold a colon),
    /// then `@DIGEST`, then `:TAG` after the last slash, else a repository.
    private func resolve(in store: ContentStore) throws -> Removal {
        let tags = try store.cachedTags().filter { upstreamName == nil || $0.upstream == upstreamName }
        if let listed = tags.first(where: { $0.listedName == target }), let name = RepositoryName(listed.repository), let tag = Tag(listed.tag) {
            return .tag(TagKey(upstream: listed.upstream, repository: name, tag: tag))
        }
        if let at = target.firstIndex(of: "@") {
            guard let digest = Digest(String(target[target.index(after: at)...])) else { fail("\(target): not a digest after @", status: 2) }
            return .manifest(digest, in: try repository(String(target[..<at]), in: store))
        }
        if let colon = target.lastIndex(of: ":"), !target[colon...].contains("/") {
            guard let tag = Tag(String(target[target.index(after: colon)...])) else { fail("\(target): not a tag after the last :", status: 2) }
            return .tag(TagKey(try repository(String(target[..<colon]), in: store), tag: tag))
        }
        return .repository(try repository(target, in: store))
    }

    /// The one cached repository `name` names, or a clear exit.
    private func repository(_ name: String, in store: ContentStore) throws -> RepositoryKey {
        let matches = try store.knownRepositories().filter { $0.isNamed(name) && (upstreamName == nil || $0.upstream == upstreamName) }
        guard let match = matches.first else { fail("\(name) is not in the cache (`stowage ls` lists what is)", status: 1) }
        guard matches.count == 1 else {
            fail("\(name) is cached from several upstreams (\(matches.map(\.upstream).joined(separator: ", "))); choose one with --upstream-name", status: 2)
        }
        return match
    }
}
