import OCILayout
import Testing

@Suite struct TarWriterTests {
    @Test(arguments: [Int64(99), 101])
    func aSourceOfAnotherSizeIsRefused(claimed: Int64) throws {
        try TemporaryDirectory.with { directory in
            try directory.write("source", patternBytes(100))
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect {
                try writer.addFile("blob", copying: directory.file("source"), size: claimed)
            } throws: { error in
                (error as? TarError)?.description == "\(directory.file("source")) is 100 bytes, expected \(claimed)"
            }
        }
    }

    @Test func aRefusedSourceLeavesTheArchiveIntact() throws {
        try TemporaryDirectory.with { directory in
            try directory.write("source", patternBytes(100))
            let archive = directory.file("out.tar")
            let writer = try TarWriter(path: archive)
            #expect(throws: TarError.self) { try writer.addFile("blob", copying: directory.file("source"), size: 5) }
            try writer.addFile("kept", bytes: [1, 2, 3])
            try writer.finish()
            #expect(try readArchive(archive) == [.file("kept", [1, 2, 3])])
        }
    }

    @Test func aMissingSourceIsAnIOError() throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect {
                try writer.addFile("blob", copying: directory.file("absent"), size: 1)
            } throws: { error in
                (error as? TarError)?.description == "open \(directory.file("absent")): No such file or directory"
            }
        }
    }

    @Test func aFinishedWriterRefusesMoreEntries() throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            try writer.finish()
            #expect {
                try writer.addFile("late", bytes: [])
            } throws: { error in
                (error as? TarError)?.description
                    == "\(directory.file("out.tar")): the archive was already finished, or an earlier error left it incomplete"
            }
            #expect(throws: TarError.self) { try writer.finish() }
        }
    }

    @Test(arguments: ["", "/"])
    func anEmptyNameIsRefused(name: String) throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect(throws: TarError.self) { try writer.addFile(name, bytes: []) }
            #expect(throws: TarError.self) { try writer.addDirectory(name) }
        }
    }

    @Test func anAbsoluteNameIsRefused() throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect {
                try writer.addDirectory("/blobs")
            } throws: { error in
                (error as? TarError)?.description == "cannot store \"/blobs/\" in a tar archive: the name is absolute"
            }
        }
    }

    @Test func aFileNameEndingInASlashIsRefused() throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect {
                try writer.addFile("blobs/", bytes: [1])
            } throws: { error in
                (error as? TarError)?.description == "cannot store \"blobs/\" in a tar archive: a file name cannot end in \"/\""
            }
        }
    }

    @Test func aNameWithANULIsRefused() throws {
        try TemporaryDirectory.with { directory in
            let writer = try TarWriter(path: directory.file("out.tar"))
            #expect {
                try writer.addFile("a\0b", bytes: [])
            } throws: { error in
                (error as? TarError)?.description == "cannot store \"a\0b\" in a tar archive: the name contains a NUL byte"
            }
        }
    }

    @Test func anUnwritablePathIsAnIOError() {
        #expect {
            try TarWriter(path: "/nonexistent-stowage-dir/out.tar")
        } throws: { error in
            (error as? TarError)?.description == "create /nonexistent-stowage-dir/out.tar: No such file or directory"
        }
    }
}
