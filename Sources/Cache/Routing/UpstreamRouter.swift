import OCI

/// Picks the upstream of a request, in order: containerd's `?ns=<host>` (a mirror client names the
/// registry it wanted); else a first path segment equal to an upstream's `pathPrefix`
/// (Harbor-project style, `/v2/<prefix>/<repo>/…`, for clients that cannot send `ns`), which is cut
/// off; else the default upstream, with the name whole. Only an upstream that declares a path
/// prefix is reached by one, so no repository name is ever cut by surprise (an upstream named `lab`
/// keeps its `lab/…` repositories whole). Pure: names and namespaces in, an upstream's position and
/// the repository at it out.
public struct UpstreamRouter: Sendable {
    /// What routing needs to know of one upstream.
    public struct Rule: Sendable, Equatable {
        public var name: String
        /// Registry hosts this upstream answers for in `?ns=`, e.g. `docker.io`, `ghcr.io`.
        public var namespaces: [String]
        /// The first path segment that routes to this upstream (`/v2/<pathPrefix>/<repo>/…`); nil for none.
        public var pathPrefix: String?
        public var isDefault: Bool
        /// Docker Hub names official images `library/<name>`; a one-segment name gets that prefix.
        public var isDockerHub: Bool
        /// Takes every namespace no other upstream lists (the stand-in when none is configured,
        /// which serves imported content of any registry).
        public var answersEveryNamespace: Bool

        public init(name: String, namespaces: [String] = [], pathPrefix: String? = nil, isDefault: Bool = false, isDockerHub: Bool = false,
                    answersEveryNamespace: Bool = false) {
            self.name = name
            self.namespaces = namespaces
            self.pathPrefix = pathPrefix
            self.isDefault = isDefault
            self.isDockerHub = isDockerHub
            self.answersEveryNamespace = answersEveryNamespace
        }
    }

    public enum Outcome: Equatable, Sendable {
        /// The upstream's position in `rules` and the repository's name there (its cache key too).
        case routed(upstream: Int, repository: RepositoryName)
        /// `?ns=` named a registry no upstream answers for.
        case unknownNamespace(String)
        /// No namespace, no path prefix, and no default upstream.
        case noUpstream
    }

    public let rules: [Rule]
    private let byNamespace: [String: Int]
    private let byPathPrefix: [String: Int]
    private let defaultUpstream: Int?
    private let everyNamespace: Int?

    /// Rules are checked by the configuration (unique names, namespaces and path prefixes, at most
    /// one default, no prefix on the default); here a later duplicate is ignored.
    public init(_ rules: [Rule]) {
        self.rules = rules
        var byNamespace: [String: Int] = [:]
        var byPathPrefix: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            for namespace in rule.namespaces where byNamespace[RegistryHost.canonical(namespace)] == nil {
                byNamespace[RegistryHost.canonical(namespace)] = index
            }
            if let prefix = rule.pathPrefix, byPathPrefix[prefix] == nil { byPathPrefix[prefix] = index }
        }
        self.byNamespace = byNamespace
        self.byPathPrefix = byPathPrefix
        defaultUpstream = rules.firstIndex(where: \.isDefault)
        everyNamespace = rules.firstIndex(where: \.answersEveryNamespace)
    }

    public func route(_ name: RepositoryName, namespace: String?) -> Outcome {
        if let namespace {
            let host = RegistryHost.canonical(namespace)
            guard let index = byNamespace[host] ?? everyNamespace else { return .unknownNamespace(namespace) }
            return .routed(upstream: index, repository: repository(name, at: index, dockerHub: host == "docker.io"))
        }
        let value = name.value
        if !byPathPrefix.isEmpty, let slash = value.firstIndex(of: "/"), let index = byPathPrefix[String(value[..<slash])],
           let rest = RepositoryName(value[value.index(after: slash)...]) {
            return .routed(upstream: index, repository: repository(rest, at: index))
        }
        guard let index = defaultUpstream else { return .noUpstream }
        return .routed(upstream: index, repository: repository(name, at: index))
    }

    /// The upstream at `index` for a namespace-only request (`_catalog?ns=`); nil when unknown.
    public func upstream(forNamespace namespace: String) -> Int? {
        byNamespace[RegistryHost.canonical(namespace)] ?? everyNamespace
    }

    private func repository(_ name: RepositoryName, at index: Int, dockerHub: Bool = false) -> RepositoryName {
        guard rules[index].isDockerHub || dockerHub, !name.value.contains("/") else { return name }
        return RepositoryName("library/" + name.value) ?? name
    }
}
