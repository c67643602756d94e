// libFuzzer entry point for the config file: YAML (Yams over libyaml, built instrumented by
// `scripts/fuzz.sh`), Stowage's key checks and decoding, relative paths, durations and byte sizes.
// Not a SwiftPM target, so the package build is never instrumented.
//
// The first input byte picks what is parsed; the rest is its input. A parser may refuse its input
// (a `ConfigError` naming the key), never crash or hang.

@_cdecl("LLVMFuzzerTestOneInput")
public func configInputFuzzer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    switch data[0] % 3 {
    case 0:
        if let file = try? ConfigLoader.parse(text) {
            _ = file.resolvingPaths(against: "/etc/stowage")
        }
    case 1:
        if let duration = DurationText.parse(text) { precondition(duration >= .zero, "a duration is never negative") }
    default:
        if let bytes = ByteSizeText.parse(text) { precondition(bytes >= 0, "a size is never negative") }
    }
    return 0
}
