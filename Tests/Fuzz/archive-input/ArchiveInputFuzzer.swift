// libFuzzer entry point for the parsers of what arrives in files from elsewhere: tar headers, PAX
// records and whole tar archives (an air-gap bundle), and htpasswd files. Compiled by
// `scripts/fuzz.sh` together with their sources (OCILayout's tar reader, Access's htpasswd parser)
// and `-sanitize=fuzzer`: not a SwiftPM target, so the package build is never instrumented.
//
// The first input byte picks the parser; the rest is its input. A parser may refuse its input,
// never crash, hang or break an invariant checked here.
import Glibc

/// One file per fuzzing process, rewritten for each archive input (the reader reads a path).
private let archivePath = "/dev/shm/stowage-archive-fuzz-\(getpid()).tar"

@_cdecl("LLVMFuzzerTestOneInput")
public func archiveInputFuzzer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 4 {
    case 0:
        var block = Array(rest.prefix(TarHeader.blockSize))
        block += [UInt8](repeating: 0, count: TarHeader.blockSize - block.count)
        if let header = try? TarHeader.decode(block) {
            precondition(header.size >= 0 && header.size <= TarHeader.maximumSize, "a decoded size is in bounds")
        }
    case 1:
        if let records = PAXRecords.parse(rest) {
            guard let again = PAXRecords.parse(PAXRecords.encode(records)), again.elementsEqual(records, by: { $0.key == $1.key && $0.value == $1.value }) else {
                preconditionFailure("PAX records round-trip")
            }
        }
    case 2:
        readArchive(rest)
    default:
        if let file = try? Htpasswd.parse(String(decoding: rest, as: UTF8.self)) {
            precondition(file.users.count == file.count, "every user is listed once")
        }
    }
    return 0
}

/// Every entry of `bytes` read as an archive, each entry's data read in bounded chunks.
private func readArchive(_ bytes: [UInt8]) {
    let fd = open(archivePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count, let reader = try? TarReader(path: archivePath) else { return }
    var entries = 0
    while entries < 10_000, let entry = try? reader.next() {
        entries += 1
        var read: Int64 = 0
        while let chunk = try? reader.read(maximum: 1 << 16), !chunk.isEmpty {
            read += Int64(chunk.count)
        }
        precondition(read <= entry.size, "an entry yields no more than its size")
    }
}
