/// How to ask for a manifest: `head` resolves a tag to a digest without a body (and, on Docker Hub,
/// without counting as a pull).
public enum UpstreamMethod: Sendable {
    case get
    case head
}
