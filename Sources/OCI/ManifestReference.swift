/// What follows `/manifests/`: a tag (mutable) or a digest (immutable).
public enum ManifestReference: Hashable, Sendable, CustomStringConvertible {
    case tag(Tag)
    case digest(Digest)

    /// Parses the path segment. Anything with a `:` is read as a digest, since tags cannot contain one.
    public static func parse(_ string: String) -> Result<ManifestReference, RegistryError> {
        if string.utf8.contains(UInt8(ascii: ":")) {
            guard let digest = Digest(string) else { return .failure(.digestInvalid(string)) }
            return .success(.digest(digest))
        }
        guard let tag = Tag(string) else { return .failure(.tagInvalid(string)) }
        return .success(.tag(tag))
    }

    public static func parse(_ string: Substring) -> Result<ManifestReference, RegistryError> {
        parse(String(string))
    }

    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}
