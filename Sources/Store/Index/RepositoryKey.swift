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
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        appendBytes(to: &bytes)
        return bytes
    }

    /// Key in the `links` database: digest NUL upstream NUL repository. Keyed by digest first, so
    /// eviction drops a digest's links with one range scan. Built in one buffer: it is on the hit path.
    func linkKey(_ digest: Digest) -> [UInt8] {
        var key = Self.linkPrefix(digest)
        appendBytes(to: &key)
        return key
    }

    private func appendBytes(to bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + upstream.utf8.count + 1 + repository.value.utf8.count)
        bytes.append(contentsOf: upstream.utf8)
        bytes.append(0)
        bytes.append(contentsOf: repository.value.utf8)
    }

    static func linkPrefix(_ digest: Digest) -> [UInt8] {
        var prefix = digest.indexKey
        prefix.append(0)
        return prefix
    }

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
