import OCI

/// Repositories matching `pattern` are readable by `grant`. Rules are tried in order; the first whose
/// pattern matches decides (see `AccessPolicy`).
public struct AccessRule: Sendable {
    public let pattern: RepositoryPattern
    public let grant: Grant

    public init(pattern: RepositoryPattern, grant: Grant) {
        self.pattern = pattern
        self.grant = grant
    }
}
