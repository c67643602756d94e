/// What follows `/manifests/`: a tag (mutable) or a digest (immutable).
public enum ManifestReference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(Digest)

    /// Parses the path segment. Anything with a `:` is read as a digest, since tags cannot contain one.
    public static func parse(_ string: some StringProtocol) -> Result<ManifestReference, RegistryError> {
        if string.contains(":") {
            guard let digest = Digest(string) else { return .failure(.digestInvalid(String(string))) }
            return .success(.digest(digest))
        }
        guard let tag = Tag(string) else { return .failure(.tagInvalid(String(string))) }
        return .success(.tag(tag))
    }

    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}
