import OCILayout

/// An entry as read back from an archive, with all of its data.
struct ReadEntry: Equatable, CustomStringConvertible {
    let name: String
    let kind: TarEntry.Kind
    let size: Int64
    let bytes: [UInt8]

    var description: String { "\(name) \(kind) \(size) bytes" }

    static func file(_ name: String, _ bytes: [UInt8]) -> ReadEntry {
        ReadEntry(name: name, kind: .file, size: Int64(bytes.count), bytes: bytes)
    }

    static func directory(_ name: String) -> ReadEntry {
        ReadEntry(name: name, kind: .directory, size: 0, bytes: [])
    }
}

/// Every entry of the archive at `path`, data read in `chunk`-byte pieces.
func readArchive(_ path: String, chunk: Int = 4099) throws(TarError) -> [ReadEntry] {
    let reader = try TarReader(path: path)
    var entries: [ReadEntry] = []
    while let entry = try reader.next() {
        var bytes: [UInt8] = []
        while true {
            let piece = try reader.read(maximum: chunk)
            if piece.isEmpty { break }
            bytes += piece
        }
        entries.append(ReadEntry(name: entry.name, kind: entry.kind, size: entry.size, bytes: bytes))
    }
    return entries
}

/// Bytes that do not repeat with any block-sized period, so misplaced chunks show.
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var state = UInt32(seed) &+ 0x9E37_79B9
    for index in 0..<count {
        state = state &* 1_664_525 &+ 1_013_904_223
        bytes[index] = UInt8(truncatingIfNeeded: state >> 24)
    }
    return bytes
}

/// A small deterministic generator (SplitMix64) so that fuzz failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
