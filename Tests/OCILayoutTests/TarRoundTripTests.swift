import OCILayout
import Testing

@Suite struct TarRoundTripTests {
    /// 150 bytes: too long for the name field, so the writer splits it into prefix and name.
    static let prefixedName = "blobs/" + String(repeating: "p", count: 90) + "/" + String(repeating: "q", count: 53)
    /// One 120-byte component: no ustar split fits, so the writer adds a PAX path.
    static let paxName = "long/" + String(repeating: "n", count: 120)

    @Test(arguments: [511, 4096, 1 << 20])
    func writtenEntriesReadBackWithTheirBytes(chunk: Int) throws {
        try TemporaryDirectory.with { directory in
            let big = patternBytes(3 * (1 << 20) + 7)
            try directory.write("big-source", big)
            let archive = directory.file("out.tar")

            let writer = try TarWriter(path: archive)
            try writer.addDirectory("blobs")
            try writer.addDirectory("blobs/sha256/")
            try writer.addFile("oci-layout", bytes: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            try writer.addFile("empty", bytes: [])
            try writer.addFile(Self.prefixedName, bytes: Array("prefixed".utf8))
            try writer.addFile(Self.paxName, bytes: Array("pax".utf8))
            try writer.addFile("blobs/sha256/big", copying: directory.file("big-source"), size: Int64(big.count))
            try writer.addFile("after-big", bytes: patternBytes(513, seed: 9))
            try writer.finish()

            let entries = try readArchive(archive, chunk: chunk)
            #expect(entries.map(\.name) == [
                "blobs", "blobs/sha256", "oci-layout", "empty", Self.prefixedName, Self.paxName, "blobs/sha256/big", "after-big",
            ])
            #expect(entries[0] == .directory("blobs"))
            #expect(entries[1] == .directory("blobs/sha256"))
            #expect(entries[2] == .file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)))
            #expect(entries[3] == .file("empty", []))
            #expect(entries[4] == .file(Self.prefixedName, Array("prefixed".utf8)))
            #expect(entries[5] == .file(Self.paxName, Array("pax".utf8)))
            #expect(entries[6].size == Int64(big.count))
            let bigMatches = entries[6].bytes == big
            #expect(bigMatches)
            #expect(entries[7] == .file("after-big", patternBytes(513, seed: 9)))
        }
    }

    @Test func entriesLeftUnreadAreSkipped() throws {
        try TemporaryDirectory.with { directory in
            let archive = directory.file("out.tar")
            let writer = try TarWriter(path: archive)
            try writer.addFile("a", bytes: patternBytes(100_000))
            try writer.addFile("b", bytes: patternBytes(700, seed: 1))
            try writer.addFile("c", bytes: Array("last".utf8))
            try writer.finish()

            let reader = try TarReader(path: archive)
            #expect(try reader.next() == TarEntry(name: "a", size: 100_000, kind: .file))
            #expect(try reader.read(maximum: 10) == Array(patternBytes(100_000)[..<10]))
            #expect(try reader.next() == TarEntry(name: "b", size: 700, kind: .file))
            #expect(try reader.next() == TarEntry(name: "c", size: 4, kind: .file))
            #expect(try reader.read(maximum: 100) == Array("last".utf8))
            #expect(try reader.read(maximum: 100) == [])
            #expect(try reader.next() == nil)
            #expect(try reader.next() == nil)
        }
    }

    @Test func sameEntriesGiveIdenticalArchives() throws {
        try TemporaryDirectory.with { directory in
            for name in ["one.tar", "two.tar"] {
                let writer = try TarWriter(path: directory.file(name))
                try writer.addDirectory("blobs")
                try writer.addFile(Self.paxName, bytes: Array("same".utf8))
                try writer.finish()
            }
            #expect(try directory.read("one.tar") == directory.read("two.tar"))
        }
    }

    @Test func anArchiveIsWholeBlocksEndingInTwoZeroBlocks() throws {
        try TemporaryDirectory.with { directory in
            let archive = directory.file("out.tar")
            let writer = try TarWriter(path: archive)
            try writer.addFile("x", bytes: Array("hello".utf8))
            try writer.finish()

            let bytes = try directory.read("out.tar")
            // Header, one data block, two end blocks.
            #expect(bytes.count == 4 * 512)
            #expect(Array(bytes[512..<517]) == Array("hello".utf8))
            #expect(bytes[517...].allSatisfy { $0 == 0 })
        }
    }

    @Test func anEmptyFileIsAnEmptyArchive() throws {
        try TemporaryDirectory.with { directory in
            try directory.write("empty.tar", [])
            #expect(try readArchive(directory.file("empty.tar")) == [])
        }
    }
}
