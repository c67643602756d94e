// libFuzzer entry point for the parsers of outside input, compiled by `scripts/fuzz.sh` together
// with their sources (Sources/OCI, Upstream's challenge parser) and `-sanitize=fuzzer`: not a
// SwiftPM target, so the package build is never instrumented.
//
// The first input byte picks the parser; the rest is its input. A parser may refuse its input,
// never crash, hang or break an invariant checked here (a parsed value printed and parsed again is
// the same value).

@_cdecl("LLVMFuzzerTestOneInput")
public func registryInputFuzzer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: rest, as: UTF8.self)
    switch selector % 9 {
    case 0:
        if let digest = Digest(text) { precondition(Digest(digest.description) == digest, "a digest round-trips") }
    case 1:
        if case .success(let reference) = ManifestReference.parse(text) {
            guard case .success(let again) = ManifestReference.parse(reference.description), again == reference else {
                preconditionFailure("a reference round-trips")
            }
        }
    case 2:
        if let name = RepositoryName(text) { precondition(RepositoryName(name.value) == name, "a name round-trips") }
    case 3:
        _ = ImageReference.parse(text)
        _ = ImageReference.namesRegistry(text)
    case 4:
        let size = Int64(rest.first ?? 0) * 997
        switch ByteRange.resolve(header: text, size: size) {
        case .partial(let range): precondition(range.first >= 0 && range.first <= range.last && range.last < size, "a range lies inside")
        case .whole, .unsatisfiable: break
        }
    case 5:
        _ = Pagination.parse(text)
    case 6:
        if let document = ManifestDocument.parse(rest) { _ = document.children; _ = document.blobs }
    case 7:
        _ = Platform(text)
    default:
        _ = AuthChallenge.parse(text)
        _ = AuthChallenge.preferred(from: text.split(separator: "\n").map(String.init))
    }
    return 0
}
