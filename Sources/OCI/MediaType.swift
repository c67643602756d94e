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
    @inlinable
    public static func isAccepted<Values: Sequence<String>>(_ mediaType: String, by acceptHeaders: Values) -> Bool {
        var sawAny = false
        for header in acceptHeaders {
            switch acceptance(of: mediaType, by: header) {
            case .accepted: return true
            case .notAccepted: sawAny = true
            case .blank: break
            }
        }
        return !sawAny
    }

    /// What one `Accept` header value says of `mediaType`.
    public enum Acceptance { case accepted, notAccepted, blank }

    /// Reads one `Accept` value in place, element by element, without allocating.
    public static func acceptance(of mediaType: String, by header: String) -> Acceptance {
        var header = header
        var mediaType = mediaType
        return header.withUTF8 { value in mediaType.withUTF8 { acceptance(of: $0, by: value) } }
    }

    private static func acceptance(of wanted: UnsafeBufferPointer<UInt8>, by value: UnsafeBufferPointer<UInt8>) -> Acceptance {
        let family = (wanted.firstIndex(of: UInt8(ascii: "/")) ?? wanted.count - 1) + 1  // `type/`, compared before a `*`
        var result = Acceptance.blank
        var start = 0
        while start <= value.count {
            let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.count
            var first = start
            var last = value[start..<end].firstIndex(of: UInt8(ascii: ";")) ?? end  // parameters are ignored
            while first < last, isBlank(value[first]) { first += 1 }
            while last > first, isBlank(value[last - 1]) { last -= 1 }
            if first < last {
                let element = UnsafeBufferPointer(rebasing: value[first..<last])
                if equalsIgnoringCase(element, wanted) || element.elementsEqual("*/*".utf8)
                    || (element.count == family + 1 && element[family] == UInt8(ascii: "*")
                        && equalsIgnoringCase(UnsafeBufferPointer(rebasing: element[..<family]), UnsafeBufferPointer(rebasing: wanted[..<family]))) {
                    return .accepted
                }
                result = .notAccepted
            }
            start = end + 1
        }
        return result
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    private static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        // Clients send media types as registries write them: compare the bytes at once first.
        a.count == b.count && (a.elementsEqual(b) || zip(a, b).allSatisfy { lowercased($0) == lowercased($1) })
    }
}
