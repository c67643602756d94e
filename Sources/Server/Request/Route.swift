import Glibc
import OCI

/// A parsed request path of the pull API. Names contain `/`, so the path is matched from the right.
enum Route: Equatable {
    case base
    case catalog
    case manifest(RepositoryName, ManifestReference)
    case blob(RepositoryName, Digest)
    case blobUpload
    case tags(RepositoryName)

    /// Parses `path` (without its query). Unknown paths are `nil` (404); known shapes with bad
    /// parts are the matching 400 error.
    static func parse(_ path: Substring) -> Result<Route, RegistryError>? {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let rest = path.dropFirst(4)
        if rest.isEmpty { return .success(.base) }
        if rest == "_catalog" { return .success(.catalog) }
        if rest.hasSuffix("/tags/list") {
            return name(rest.dropLast("/tags/list".count)).map { .tags($0) }
        }
        if let marker = rest.lastRange(of: "/blobs/uploads"), rest[marker.upperBound...].isEmpty || rest[marker.upperBound...].hasPrefix("/") {
            return .success(.blobUpload)
        }
        if let marker = rest.lastRange(of: "/manifests/") {
            let reference = percentDecoded(rest[marker.upperBound...])
            return name(rest[..<marker.lowerBound]).flatMap { name in
                ManifestReference.parse(reference).map { .manifest(name, $0) }.flatMapError { error in
                    // No manifest can exist under a tag that cannot exist: the spec answers a manifest that is
                    // not found with 404 only (TAG_INVALID is a legacy code clients must not rely on).
                    guard error.code == .tagInvalid else { return .failure(error) }
                    return .failure(RegistryError(.manifestUnknown, "manifest unknown: \(reference.prefix(200)) is not a valid tag", status: 404))
                }
            }
        }
        if let marker = rest.lastRange(of: "/blobs/") {
            let text = percentDecoded(rest[marker.upperBound...])
            return name(rest[..<marker.lowerBound]).flatMap { name in
                guard let digest = Digest(text) else { return .failure(.digestInvalid(text)) }
                return .success(.blob(name, digest))
            }
        }
        return nil
    }

    private static func name(_ text: Substring) -> Result<RepositoryName, RegistryError> {
        guard let name = RepositoryName(text) else { return .failure(.nameInvalid(String(text))) }
        return .success(name)
    }
}

extension Substring {
    /// The last occurrence of `needle`, compared byte by byte (Foundation's `range(of:options:)`
    /// goes through NSString on Linux and cost a tenth of a manifest hit).
    func lastRange(of needle: StaticString) -> Range<Index>? {
        let pattern = UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        var copy = String(self)
        let offset: Int? = copy.withUTF8 { bytes in
            guard bytes.count >= pattern.count else { return nil }
            for start in stride(from: bytes.count - pattern.count, through: 0, by: -1)
            where memcmp(bytes.baseAddress! + start, pattern.baseAddress!, pattern.count) == 0 {
                return start
            }
            return nil
        }
        guard let offset else { return nil }
        let lower = utf8.index(startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: pattern.count)
    }
}

/// `%XX` escapes decoded (clients escape `:` in references as `%3A`); undecodable input stays as
/// is and then fails validation.
func percentDecoded(_ text: Substring) -> String {
    guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
    var bytes: [UInt8] = []
    var utf8 = Array(text.utf8)[...]
    while let byte = utf8.popFirst() {
        if byte == UInt8(ascii: "%"), utf8.count >= 2,
           let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
