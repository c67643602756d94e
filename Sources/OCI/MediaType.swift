/// Manifest media types a pull-through cache must pass through unchanged.
public enum ManifestMediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerV2 = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    public static let dockerV1 = "application/vnd.docker.distribution.manifest.v1+json"

    /// Every type, asked of the upstream so that one client's narrow `Accept` never narrows the cache.
    public static let all = [ociIndex, ociManifest, dockerList, dockerV2, dockerV1Signed, dockerV1]

    /// Whether a client's `Accept` header values admit `mediaType`. No `Accept` admits everything,
    /// as distribution does; `*/*` and `application/*` are honoured.
    public static func isAccepted(_ mediaType: String, by acceptHeaders: [String]) -> Bool {
        let accepted = acceptHeaders
            .flatMap { $0.split(separator: ",") }
            .map { $0.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? "" }
            .filter { !$0.isEmpty }
        if accepted.isEmpty { return true }
        let wanted = mediaType.lowercased()
        let family = wanted.split(separator: "/").first.map { "\($0)/*" }
        return accepted.contains { $0 == wanted || $0 == "*/*" || $0 == family }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
