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
    /// as distribution does; `*/*` and `application/*` are honoured; parameters (`;q=…`) are ignored.
    /// Compares bytes in place (this runs on every manifest request).
    public static func isAccepted(_ mediaType: String, by acceptHeaders: [String]) -> Bool {
        var wanted = Array(mediaType.utf8)
        for i in wanted.indices { wanted[i] = lowercased(wanted[i]) }
        let slash = wanted.firstIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? wanted.count
        let family = wanted[..<slash] + [UInt8(ascii: "*")]
        var sawAny = false
        for header in acceptHeaders {
            for element in header.utf8.split(separator: UInt8(ascii: ",")) {
                let range = element.prefix { $0 != UInt8(ascii: ";") }
                let trimmed = range.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
                guard !trimmed.isEmpty else { continue }
                sawAny = true
                if equalsIgnoringCase(trimmed, wanted) || equalsIgnoringCase(trimmed, Array("*/*".utf8)) || equalsIgnoringCase(trimmed, Array(family)) {
                    return true
                }
            }
        }
        return !sawAny
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func equalsIgnoringCase(_ candidate: some Collection<UInt8>, _ lowercase: [UInt8]) -> Bool {
        candidate.count == lowercase.count && zip(candidate, lowercase).allSatisfy { lowercased($0) == $1 }
    }
}
