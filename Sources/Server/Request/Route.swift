import OCI

/// A parsed request path of the pull API. Names contain `/`, so the path is matched from the right.
enum Route: Equatable {
    case base
    case catalog
    case manifest(RepositoryName, ManifestReference)
    case blob(RepositoryName, Digest)
    case blobUpload
    case tags(RepositoryName)
    /// `/livez`, `/readyz`, `/startupz`.
    case health(HealthProbe)

    /// Parses `path` (without its query). Unknown paths are `nil` (404); known shapes with bad
    /// parts are the matching 400 error.
    ///
    /// Reads the path's bytes in place (it runs on every request): each part becomes a string
    /// once, when it is kept.
    static func parse(_ path: Substring) -> Result<Route, RegistryError>? {
        var path = path
        return path.withUTF8 { bytes in parse(bytes: bytes) }
    }

    private static func parse(bytes path: UnsafeBufferPointer<UInt8>) -> Result<Route, RegistryError>? {
        guard path.starts(with: "/v2".utf8) else { return health(path) }
        if path.count == 3 { return .success(.base) }
        guard path[3] == UInt8(ascii: "/") else { return nil }
        let rest = UnsafeBufferPointer(rebasing: path[4...])
        if rest.isEmpty { return .success(.base) }
        if rest.elementsEqual("_catalog".utf8) { return .success(.catalog) }
        // The last two segments say what is asked (a tag or digest cannot hold a `/`); the name is
        // everything before them, so a name may contain `manifests`, `blobs` or `uploads`.
        if let last = rest.lastIndex(of: UInt8(ascii: "/")), let previous = rest[..<last].lastIndex(of: UInt8(ascii: "/")) {
            let (kind, tail, named) = (rest[(previous + 1)..<last], rest[(last + 1)...], rest[..<previous])
            if kind.elementsEqual("manifests".utf8) {
                let reference = percentDecoded(tail)
                return name(named).flatMap { name in
                    ManifestReference.parse(reference).map { .manifest(name, $0) }.flatMapError { error in
                        // No manifest can exist under a tag that cannot exist: the spec answers a manifest that is
                        // not found with 404 only (TAG_INVALID is a legacy code clients must not rely on).
                        guard error.code == .tagInvalid else { return .failure(error) }
                        return .failure(RegistryError(.manifestUnknown, "manifest unknown: \(reference.prefix(200)) is not a valid tag", status: 404))
                    }
                }
            }
            if kind.elementsEqual("blobs".utf8) {
                if tail.elementsEqual("uploads".utf8) { return .success(.blobUpload) }
                let text = percentDecoded(tail)
                return name(named).flatMap { name in
                    guard let digest = Digest(text) else { return .failure(.digestInvalid(text)) }
                    return .success(.blob(name, digest))
                }
            }
            if kind.elementsEqual("tags".utf8), tail.elementsEqual("list".utf8) {
                return name(named).map { .tags($0) }
            }
        }
        // An upload session's own paths (`…/blobs/uploads/`, `…/blobs/uploads/<id>`).
        if rest.lastRange(of: "/blobs/uploads/") != nil { return .success(.blobUpload) }
        return nil
    }

    /// A health endpoint's path, matched only off the pull API's path (never on its hot path).
    private static func health(_ path: UnsafeBufferPointer<UInt8>) -> Result<Route, RegistryError>? {
        guard path.first == UInt8(ascii: "/"), let probe = HealthProbe(rawValue: String(decoding: path.dropFirst(), as: UTF8.self)) else {
            return nil
        }
        return .success(.health(probe))
    }

    private static func name(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Result<RepositoryName, RegistryError> {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let name = RepositoryName(text) else { return .failure(.nameInvalid(text)) }
        return .success(name)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The last occurrence of `needle`, compared in place and only where its first byte is.
    func lastRange(of needle: StaticString) -> Range<Int>? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard count >= pattern.count else { return nil }
        var start = count - pattern.count
        while start >= 0 {
            if self[start] == pattern[0], UnsafeBufferPointer(rebasing: self[start..<start + pattern.count]).elementsEqual(pattern) {
                return start..<start + pattern.count
            }
            start -= 1
        }
        return nil
    }
}

/// `%XX` escapes decoded (clients escape `:` in references as `%3A`); undecodable input stays as
/// is and then fails validation.
func percentDecoded(_ text: Substring) -> String {
    var text = text
    return text.withUTF8 { bytes in percentDecoded(bytes[...]) }
}

func percentDecoded(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    guard text.contains(UInt8(ascii: "%")) else { return String(decoding: text, as: UTF8.self) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.count)
    var index = text.startIndex
    while index < text.endIndex {
        if text[index] == UInt8(ascii: "%"), text.endIndex - index >= 3, let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2]) {
            bytes.append(high << 4 | low)
            index += 3
        } else {
            bytes.append(text[index])
            index += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
