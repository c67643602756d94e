@testable import OCILayout
import Testing

@Suite struct TarHeaderTests {
    private func field(_ block: [UInt8], _ range: Range<Int>) -> [UInt8] { Array(block[range]) }

    @Test func aFileHeaderHasTheUstarFieldsStowageFixes() {
        let block = TarHeader(name: Array("oci-layout".utf8), mode: 0o644, size: 30, typeflag: TarHeader.TypeFlag.file).encode()
        #expect(block.count == 512)
        #expect(field(block, 0..<11) == Array("oci-layout\0".utf8))
        #expect(field(block, 100..<108) == Array("0000644\0".utf8))
        #expect(field(block, 108..<116) == Array("0000000\0".utf8))
        #expect(field(block, 116..<124) == Array("0000000\0".utf8))
        #expect(field(block, 124..<136) == Array("00000000036\0".utf8))
        #expect(field(block, 136..<148) == Array("00000000000\0".utf8))
        #expect(block[156] == UInt8(ascii: "0"))
        #expect(field(block, 257..<265) == Array("ustar\000".utf8))
        #expect(field(block, 265..<329).allSatisfy { $0 == 0 })
        var sum = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 0x20 : Int(byte) }
        let octal = String(sum, radix: 8)
        #expect(field(block, 148..<156) == Array((String(repeating: "0", count: 6 - octal.count) + octal + "\0 ").utf8))
    }

    @Test func aHeaderDecodesToWhatWasEncoded() throws {
        let header = TarHeader(name: Array("b".utf8), prefix: Array("a".utf8), mode: 0o755, size: 12345, typeflag: TarHeader.TypeFlag.directory)
        let decoded = try TarHeader.decode(header.encode())
        #expect(decoded.path == Array("a/b".utf8))
        #expect(decoded.size == 12345)
        #expect(decoded.typeflag == TarHeader.TypeFlag.directory)
    }

    @Test func aSizeOver8GiBIsWrittenInBase256() throws {
        let size: Int64 = 9 << 30
        let block = TarHeader(name: Array("big".utf8), size: size, typeflag: TarHeader.TypeFlag.file).encode()
        #expect(field(block, 124..<136) == [0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x40, 0, 0, 0])
        #expect(try TarHeader.decode(block).size == size)
    }

    @Test func aSignedChecksumIsAccepted() throws {
        var block = TarHeader(name: Array("café".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
        var signed = 0
        for (index, byte) in block.enumerated() { signed += (148..<156).contains(index) ? 0x20 : Int(Int8(bitPattern: byte)) }
        let octal = String(signed, radix: 8)
        let checksum = Array((String(repeating: "0", count: 6 - octal.count) + octal + "\0 ").utf8)
        block.replaceSubrange(148..<156, with: checksum)
        #expect(try TarHeader.decode(block).name == Array("café".utf8))
    }

    @Test func aSizeFieldThatIsNotOctalIsAProblem() {
        var block = TarHeader(name: Array("x".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
        block.replaceSubrange(124..<136, with: Array("0000000009x\0".utf8))
        block = withRecomputedChecksum(block)
        #expect(throws: TarHeader.Problem.badSizeField) { try TarHeader.decode(block) }
    }

    @Test func aNegativeBase256SizeIsAProblem() {
        var block = TarHeader(name: Array("x".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
        block.replaceSubrange(124..<136, with: [UInt8](repeating: 0xFF, count: 12))
        block = withRecomputedChecksum(block)
        #expect(throws: TarHeader.Problem.negativeSize) { try TarHeader.decode(block) }
    }

    @Test func aSizeBeyond64TiBIsAProblem() {
        var block = TarHeader(name: Array("x".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
        block.replaceSubrange(124..<136, with: [0x80, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0])
        block = withRecomputedChecksum(block)
        #expect(throws: TarHeader.Problem.hugeSize) { try TarHeader.decode(block) }
    }

    @Test func aDamagedNumberIsReportedWithItsHeaderOffset() throws {
        try TemporaryDirectory.with { directory in
            var block = TarHeader(name: Array("x".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
            block.replaceSubrange(124..<136, with: Array("0000000009x\0".utf8))
            let empty = TarHeader(name: Array("first".utf8), size: 0, typeflag: TarHeader.TypeFlag.file).encode()
            try directory.write("bad.tar", empty + withRecomputedChecksum(block))
            let path = directory.file("bad.tar")
            #expect {
                try readArchive(path)
            } throws: { error in
                (error as? TarError)?.description == "\(path): damaged tar header at byte 512 (size field is not an octal number)"
            }
        }
    }

    @Test func aSizeOver8GiBGetsAPAXRecordThatReadsBack() throws {
        try TemporaryDirectory.with { directory in
            let archive = directory.file("big.tar")
            let size: Int64 = (8 << 30) + 1
            let writer = try TarWriter(path: archive)
            try writer.writeHeader(name: "big", typeflag: TarHeader.TypeFlag.file, mode: 0o644, size: size)
            try writer.finish()

            let bytes = try directory.read("big.tar")
            #expect(bytes[156] == UInt8(ascii: "x"))
            #expect(Array(bytes[512..<533]) == Array("19 size=8589934593\n\0\0".utf8))

            let reader = try TarReader(path: archive)
            #expect(try reader.next() == TarEntry(name: "big", size: size, kind: .file))
            #expect {
                try reader.next()
            } throws: { error in
                (error as? TarError)?.description == "\(archive): truncated at byte 2560 inside big"
            }
        }
    }

    @Test func aNameThatFitsNoSplitGetsAPAXPath() throws {
        try TemporaryDirectory.with { directory in
            let name = String(repeating: "n", count: 101)
            let writer = try TarWriter(path: directory.file("out.tar"))
            try writer.addFile(name, bytes: [])
            try writer.finish()

            let bytes = try directory.read("out.tar")
            #expect(bytes[156] == UInt8(ascii: "x"))
            #expect(Array(bytes[512..<623]) == Array("111 path=\(name)\n".utf8))
        }
    }

    @Test func prefixSplitPicksASlashThatFitsBothFields() {
        let name = Array((String(repeating: "a", count: 60) + "/" + String(repeating: "b", count: 60) + "/c").utf8)
        #expect(TarWriter.prefixSplit(name) == 60)
        #expect(TarWriter.prefixSplit(Array(String(repeating: "a", count: 101).utf8)) == nil)
        #expect(TarWriter.prefixSplit(Array((String(repeating: "a", count: 156) + "/b").utf8)) == nil)
        #expect(TarWriter.prefixSplit(Array(("a/" + String(repeating: "b", count: 101)).utf8)) == nil)
    }

    @Test func paxRecordLengthsCountTheirOwnDigits() {
        #expect(PAXRecords.encode([("path", Array("abc".utf8))]) == Array("12 path=abc\n".utf8))
        #expect(PAXRecords.encode([("k", Array("12345".utf8))]) == Array("11 k=12345\n".utf8))
        #expect(PAXRecords.encode([("k", Array("1234".utf8))]) == Array("9 k=1234\n".utf8))
    }

    @Test func malformedPAXRecordsAreRefused() {
        #expect(PAXRecords.parse(Array("12 path=abc\n".utf8))?.map(\.key) == ["path"])
        #expect(PAXRecords.parse(Array("13 path=abc\n".utf8)) == nil)
        #expect(PAXRecords.parse(Array("12 path abc\n".utf8)) == nil)
        #expect(PAXRecords.parse(Array("x path=abc\n".utf8)) == nil)
        #expect(PAXRecords.parse(Array("0 =\n".utf8)) == nil)
        #expect(PAXRecords.parse(Array("99999999999999999999 a=b\n".utf8)) == nil)
    }

    private func withRecomputedChecksum(_ block: [UInt8]) -> [UInt8] {
        var result = block
        var sum = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 0x20 : Int(byte) }
        let octal = String(sum, radix: 8)
        result.replaceSubrange(148..<156, with: Array((String(repeating: "0", count: 6 - octal.count) + octal + "\0 ").utf8))
        return result
    }
}
