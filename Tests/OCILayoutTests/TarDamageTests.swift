import OCILayout
import Testing

/// Damaged archives are TarErrors that say what and where, never crashes.
@Suite struct TarDamageTests {
    static let blob = "blobs/sha256/" + String(repeating: "ab", count: 32)

    /// Blob header at 0 (data 512..<2512), "empty" at 2560, PAX header at 3072 (body at 3584),
    /// its entry's header at 4096 (data at 4608), end blocks at 5120 and 5632; 6144 bytes.
    private func writeSample(to archive: String) throws {
        let writer = try TarWriter(path: archive)
        try writer.addFile(Self.blob, bytes: patternBytes(2000))
        try writer.addFile("empty", bytes: [])
        try writer.addFile(String(repeating: "x", count: 120), bytes: patternBytes(10, seed: 3))
        try writer.finish()
    }

    private func truncatedCopy(of directory: TemporaryDirectory, at length: Int) throws -> String {
        let bytes = try directory.read("whole.tar")
        try directory.write("cut-\(length).tar", Array(bytes[..<length]))
        return directory.file("cut-\(length).tar")
    }

    @Test func aCutInsideDataNamesTheEntryAndTheOffset() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let cut = try truncatedCopy(of: directory, at: 1536)
            #expect {
                try readArchive(cut)
            } throws: { error in
                (error as? TarError)?.description == "\(cut): truncated at byte 1536 inside \(Self.blob)"
            }
        }
    }

    @Test func aCutInsideDataIsFoundWhenTheEntryIsSkipped() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let cut = try truncatedCopy(of: directory, at: 1536)
            let reader = try TarReader(path: cut)
            _ = try reader.next()
            #expect {
                try reader.next()
            } throws: { error in
                (error as? TarError)?.description == "\(cut): truncated at byte 1536 inside \(Self.blob)"
            }
        }
    }

    @Test func aCutInsideAHeaderIsTruncation() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let cut = try truncatedCopy(of: directory, at: 2560 + 100)
            #expect {
                try readArchive(cut)
            } throws: { error in
                (error as? TarError)?.description == "\(cut): truncated at byte 2660"
            }
        }
    }

    /// Every cut that is not between two entries: inside headers, data, padding, PAX bodies, end blocks.
    @Test(arguments: [1, 100, 511, 513, 2048, 2512, 2559, 2561, 3000, 3073, 3584, 3600, 4095, 4096, 4097, 4608, 4615, 5000, 5121, 5633])
    func aCutAnywhereButBetweenEntriesIsATarError(length: Int) throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let cut = try truncatedCopy(of: directory, at: length)
            #expect(throws: TarError.self) { try readArchive(cut) }
        }
    }

    @Test func aCutBetweenEntriesReadsAsTheEntriesBeforeIt() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let cut = try truncatedCopy(of: directory, at: 2560)
            #expect(try readArchive(cut) == [.file(Self.blob, patternBytes(2000))])
        }
    }

    @Test func theWholeSampleReadsBack() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            #expect(try directory.read("whole.tar").count == 6144)
            #expect(try readArchive(directory.file("whole.tar")) == [
                .file(Self.blob, patternBytes(2000)), .file("empty", []), .file(String(repeating: "x", count: 120), patternBytes(10, seed: 3)),
            ])
        }
    }

    @Test func randomBytesAreNotATarArchive() throws {
        try TemporaryDirectory.with { directory in
            var generator = SeededGenerator(state: 42)
            for round in 0..<200 {
                let length = Int.random(in: 1...4096, using: &generator)
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try directory.write("garbage-\(round)", bytes)
                #expect(throws: TarError.self, "round \(round), \(length) bytes") {
                    try readArchive(directory.file("garbage-\(round)"))
                }
            }
        }
    }

    @Test func aFirstBlockOfGarbageSaysItIsNotATarArchive() throws {
        try TemporaryDirectory.with { directory in
            try directory.write("notes.txt", Array(String(repeating: "not a tar archive\n", count: 100).utf8))
            let path = directory.file("notes.txt")
            #expect {
                try readArchive(path)
            } throws: { error in
                (error as? TarError)?.description == "\(path) is not a tar archive (bad header checksum at byte 0)"
            }
        }
    }

    @Test func aDamagedLaterHeaderNamesItsOffset() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            var bytes = try directory.read("whole.tar")
            bytes[2560 + 10] ^= 0x01
            try directory.write("damaged.tar", bytes)
            let path = directory.file("damaged.tar")
            #expect {
                try readArchive(path)
            } throws: { error in
                (error as? TarError)?.description == "\(path): damaged tar header at byte 2560 (bad checksum)"
            }
        }
    }

    /// Flipped bytes anywhere: the reader may succeed or throw, but must not crash or hang.
    @Test func flippedBytesNeverCrashTheReader() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("whole.tar"))
            let whole = try directory.read("whole.tar")
            var generator = SeededGenerator(state: 7)
            var failures = 0
            for round in 0..<300 {
                var bytes = whole
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                try directory.write("flipped-\(round).tar", bytes)
                do {
                    _ = try readArchive(directory.file("flipped-\(round).tar"))
                } catch {
                    failures += 1
                }
            }
            // Most flips land in headers or data; some must be caught.
            #expect(failures > 0)
        }
    }
}
