/// A full image reference as clients and manifests write it, `[host[:port]/]path[:tag][@digest]`,
/// normalised the way Docker and containerd do: no host means Docker Hub, a one-component Docker Hub
/// path gets `library/`, and neither tag nor digest means `latest`.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// `host[:port]` in lower case, Docker Hub's aliases as `docker.io`.
    public let registry: String
    public let repository: RepositoryName
    public let tag: Tag?
    public let digest: Digest?

    /// The longest `registry/repository` clients accept (distribution's `NameTotalLengthMax`).
    public static let maximumNameLength = 255

    /// Parses a reference, or says which part is wrong.
    public static func parse(_ input: some StringProtocol) -> Result<ImageReference, RegistryError> {
        let string = String(input)
        guard !string.isEmpty else { return .failure(.nameInvalid(string)) }

        // Everything after the first `@` is the digest; `@` appears nowhere else in the grammar.
        var name = Substring(string)
        var digest: Digest?
        if let at = string.firstIndex(of: "@") {
            let text = string[string.index(after: at)...]
            guard let parsed = Digest(text) else { return .failure(.digestInvalid(String(text))) }
            digest = parsed
            name = string[..<at]
        }

        // A tag's `:` comes after the last `/`; an earlier one belongs to `host:port`.
        var tag: Tag?
        let lastSlash = name.lastIndex(of: "/") ?? name.startIndex
        if let colon = name[lastSlash...].lastIndex(of: ":") {
            let text = name[name.index(after: colon)...]
            guard let parsed = Tag(text) else { return .failure(.tagInvalid(String(text))) }
            tag = parsed
            name = name[..<colon]
        }
        if tag == nil && digest == nil { tag = Tag("latest") }

        var registry = "docker.io"
        var path = name
        if let slash = name.firstIndex(of: "/"), isRegistryHost(name[..<slash]) {
            let host = String(name[..<slash])
            guard RegistryHost.isValid(host) else {
                return .failure(RegistryError(.nameInvalid, "invalid registry host \(quoted(host))"))
            }
            registry = RegistryHost.canonical(host)
            path = name[name.index(after: slash)...]
        }
        if registry == "docker.io" && !path.isEmpty && !path.contains("/") { path = "library/" + path }

        guard let repository = RepositoryName(path) else { return .failure(.nameInvalid(String(name))) }
        guard registry.utf8.count + 1 + repository.value.utf8.count <= maximumNameLength else {
            return .failure(RegistryError(.nameInvalid, "name longer than \(maximumNameLength) characters: \(quoted(String(name)))"))
        }
        return .success(ImageReference(registry: registry, repository: repository, tag: tag, digest: digest))
    }

    /// The reference, or nil when `parse` would fail.
    public init?(_ input: some StringProtocol) {
        guard case .success(let reference) = Self.parse(input) else { return nil }
        self = reference
    }

    private init(registry: String, repository: RepositoryName, tag: Tag?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// What a client fetches: the digest when there is one (it wins over the tag), else the tag.
    public var manifestReference: ManifestReference {
        if let digest { return .digest(digest) }
        return .tag(tag ?? Tag("latest")!)
    }

    /// `docker.io/library/alpine:3.19`, `ghcr.io/org/app:1.2@sha256:…`.
    public var description: String {
        var text = "\(registry)/\(repository.value)"
        if let tag { text += ":\(tag.value)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// Whether `input` names its registry host, or leaves it to Docker Hub's default (`nginx`, `org/app:1`).
    public static func namesRegistry(_ input: some StringProtocol) -> Bool {
        let name = input.prefix { $0 != "@" }
        guard let slash = name.firstIndex(of: "/") else { return false }
        return isRegistryHost(Substring(name[..<slash]))
    }

    /// Docker's rule: a first component naming a host has a `.` or a `:` or is `localhost`.
    private static func isRegistryHost(_ component: Substring) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
    }
}
