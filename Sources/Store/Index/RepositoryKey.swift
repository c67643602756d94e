import OCI

/// A repository within one upstream: the same name under two upstreams is two repositories.
public struct RepositoryKey: Hashable, Sendable, CustomStringConvertible {
    public let upstream: String
    public let repository: RepositoryName

    public init(upstream: String, repository: RepositoryName) {
        self.upstream = upstream
        self.repository = repository
    }

    public var description: String { "\(upstream)/\(repository)" }

    /// Key in the `repositories` database, and the tail of a link key: upstream NUL repository.
    var bytes: [UInt8] { Array("\(upstream)\u{0}\(repository.value)".utf8) }

    /// Key in the `links` database: digest NUL upstream NUL repository. Keyed by digest first, so
    /// eviction drops a digest's links with one range scan.
    func linkKey(_ digest: Digest) -> [UInt8] { Self.linkPrefix(digest) + bytes }

    static func linkPrefix(_ digest: Digest) -> [UInt8] { digest.indexKey + [0] }

    /// The prefix of every repository of `upstream` in the `repositories` database.
    static func upstreamPrefix(_ upstream: String) -> [UInt8] { Array(upstream.utf8) + [0] }
}

/// What a repository may be served of a digest (invariant 5: a repository serves only what it is
/// linked to: content its manifests listed, that was fetched through it, or that its upstream confirmed).
public enum RepositoryLookup<Value: Sendable>: Sendable {
    case notCached
    /// Cached, but not known to belong to this repository: its upstream must confirm it first.
    case notLinked
    case found(Value)
}
