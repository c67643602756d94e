import OCILayout
import Testing

/// Archives written by GNU tar read back, and GNU tar lists and extracts what TarWriter writes.
@Suite struct GNUTarCompatibilityTests {
    static let tar = "/usr/bin/tar"
    static let blob = "blobs/sha256/" + String(repeating: "ab", count: 32)
    /// One component longer than 100 bytes: neither a ustar name nor a prefix split can hold it.
    static let longName = "long/" + String(repeating: "n", count: 120) + ".txt"
    /// 150 bytes in components that a ustar prefix split can hold.
    static let splittableName = "deep/" + String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 54)

    /// The tree GNU tar archives: a layout-like directory with a long name and an empty file.
    private func makeTree(in directory: TemporaryDirectory) throws {
        try directory.write("src/oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        try directory.write("src/" + Self.blob, patternBytes(70_000))
        try directory.write("src/" + Self.longName, Array("long".utf8))
        try directory.write("src/empty", [])
    }

    private var expectedTree: [ReadEntry] {
        [
            .directory("."),
            .directory("blobs"),
            .directory("blobs/sha256"),
            .file(Self.blob, patternBytes(70_000)),
            .file("empty", []),
            .directory("long"),
            .file(Self.longName, Array("long".utf8)),
            .file("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)),
        ]
    }

    @Test func readsGNUTarPOSIXFormatWithPAXHeadersAndAGlobalHeader() throws {
        try TemporaryDirectory.with { directory in
            try makeTree(in: directory)
            // `comment=…` goes into a global ('g') header; the long name gets a local ('x') one.
            try run(Self.tar, ["--format=posix", "--pax-option=comment=stowage", "--sort=name", "-cf", "out.tar", "-C", "src", "."], in: directory.path)
            #expect(try readArchive(directory.file("out.tar")) == expectedTree)
        }
    }

    @Test func readsGNUTarGNUFormatWithLongNames() throws {
        try TemporaryDirectory.with { directory in
            try makeTree(in: directory)
            try run(Self.tar, ["--format=gnu", "--sort=name", "-cf", "out.tar", "-C", "src", "."], in: directory.path)
            #expect(try readArchive(directory.file("out.tar")) == expectedTree)
        }
    }

    @Test func readsGNUTarUstarPrefixNames() throws {
        try TemporaryDirectory.with { directory in
            try directory.write("src/" + Self.splittableName, Array("split".utf8))
            try run(Self.tar, ["--format=ustar", "-cf", "out.tar", "-C", "src", Self.splittableName], in: directory.path)
            #expect(try readArchive(directory.file("out.tar")) == [.file(Self.splittableName, Array("split".utf8))])
        }
    }

    @Test func gnuTarListsWhatTarWriterWrites() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("out.tar"))
            let names = try run(Self.tar, ["-tf", "out.tar"], in: directory.path)
            #expect(names == ["blobs/", Self.blob, Self.splittableName, Self.longName, "empty", ""].joined(separator: "\n"))

            let listing = try run(Self.tar, ["-tvf", "out.tar"], in: directory.path).split(separator: "\n")
            #expect(listing.count == 5)
            #expect(listing[0].hasPrefix("drwxr-xr-x 0/0 "))
            #expect(listing.dropFirst().allSatisfy { $0.hasPrefix("-rw-r--r-- 0/0 ") })
            #expect(listing[1].hasSuffix(" 70000 1970-01-01 00:00 \(Self.blob)"))
        }
    }

    @Test func gnuTarExtractsWhatTarWriterWrites() throws {
        try TemporaryDirectory.with { directory in
            try writeSample(to: directory.file("out.tar"))
            try directory.makeDirectory("extracted")
            try run(Self.tar, ["-xf", "../out.tar"], in: directory.file("extracted"))
            #expect(try directory.read("extracted/" + Self.blob) == patternBytes(70_000))
            #expect(try directory.read("extracted/" + Self.splittableName) == Array("split".utf8))
            #expect(try directory.read("extracted/" + Self.longName) == Array("long".utf8))
            #expect(try directory.read("extracted/empty") == [])
        }
    }

    private func writeSample(to archive: String) throws {
        try TemporaryDirectory.with { scratch in
            try scratch.write("blob", patternBytes(70_000))
            let writer = try TarWriter(path: archive)
            try writer.addDirectory("blobs")
            try writer.addFile(Self.blob, copying: scratch.file("blob"), size: 70_000)
            try writer.addFile(Self.splittableName, bytes: Array("split".utf8))
            try writer.addFile(Self.longName, bytes: Array("long".utf8))
            try writer.addFile("empty", bytes: [])
            try writer.finish()
        }
    }
}
