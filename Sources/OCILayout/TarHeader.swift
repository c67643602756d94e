/// One 512-byte tar header block in POSIX ustar layout: the fields Stowage writes, and the fields it
/// needs when reading (name, prefix, size, type). Mode, owner and time are written fixed and ignored
/// when read, so odd values there never reject an archive.
struct TarHeader: Equatable {
    static let blockSize = 512
    /// The largest size the 11-digit octal field holds (8 GiB - 1); larger sizes need PAX or base-256.
    static let maximumOctalSize: Int64 = 0o77777777777
    /// Sizes beyond this (64 TiB) are taken as damage rather than data, and keep offsets far from overflow.
    static let maximumSize: Int64 = 1 << 46

    /// Type flags this module writes or interprets.
    enum TypeFlag {
        static let file = UInt8(ascii: "0")
        static let oldFile: UInt8 = 0
        static let hardLink = UInt8(ascii: "1")
        static let symbolicLink = UInt8(ascii: "2")
        static let characterDevice = UInt8(ascii: "3")
        static let blockDevice = UInt8(ascii: "4")
        static let directory = UInt8(ascii: "5")
        static let fifo = UInt8(ascii: "6")
        static let contiguousFile = UInt8(ascii: "7")
        static let paxExtended = UInt8(ascii: "x")
        static let paxGlobal = UInt8(ascii: "g")
        static let gnuLongName = UInt8(ascii: "L")
        static let gnuLongLinkName = UInt8(ascii: "K")

        /// Types that never carry data, whatever their size field says (as Go's archive/tar reads them).
        static func isHeaderOnly(_ flag: UInt8) -> Bool {
            [hardLink, symbolicLink, characterDevice, blockDevice, directory, fifo].contains(flag)
        }
    }

    /// Why a block is not a usable header.
    enum Problem: Error, Equatable {
        case badChecksum
        case badSizeField
        case negativeSize
        case hugeSize

        var reason: String {
            switch self {
            case .badChecksum: "bad checksum"
            case .badSizeField: "size field is not an octal number"
            case .negativeSize: "negative size"
            case .hugeSize: "size larger than \(TarHeader.maximumSize) bytes"
            }
        }
    }

    /// Why a numeric field could not be read.
    enum NumberProblem: Error {
        case notANumber
        case negative
        case tooLarge
    }

    /// The name field (at most 100 bytes).
    var name: [UInt8]
    /// The ustar prefix field (at most 155 bytes), joined to `name` with "/" when not empty.
    var prefix: [UInt8] = []
    var mode: Int64 = 0o644
    var size: Int64
    var typeflag: UInt8

    /// `prefix/name`, or `name` when there is no prefix.
    var path: [UInt8] { prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name }

    // Field offsets and widths of the ustar layout.
    private static let nameField = 0..<100
    private static let modeField = 100..<108
    private static let uidField = 108..<116
    private static let gidField = 116..<124
    private static let sizeField = 124..<136
    private static let mtimeField = 136..<148
    private static let checksumField = 148..<156
    private static let typeflagOffset = 156
    private static let magicField = 257..<263
    private static let versionField = 263..<265
    private static let devMajorField = 329..<337
    private static let devMinorField = 337..<345
    private static let prefixField = 345..<500
    private static let posixMagic: [UInt8] = Array("ustar\0".utf8)

    /// The 512-byte block. Names longer than their fields are cut; the writer adds PAX records for them.
    func encode() -> [UInt8] {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        Self.put(name, in: Self.nameField, of: &block)
        Self.putOctal(mode, in: Self.modeField, of: &block)
        Self.putOctal(0, in: Self.uidField, of: &block)
        Self.putOctal(0, in: Self.gidField, of: &block)
        if size <= Self.maximumOctalSize {
            Self.putOctal(size, in: Self.sizeField, of: &block)
        } else {
            Self.putBase256(size, in: Self.sizeField, of: &block)
        }
        Self.putOctal(0, in: Self.mtimeField, of: &block)
        block[Self.typeflagOffset] = typeflag
        Self.put(Self.posixMagic, in: Self.magicField, of: &block)
        Self.put(Array("00".utf8), in: Self.versionField, of: &block)
        Self.putOctal(0, in: Self.devMajorField, of: &block)
        Self.putOctal(0, in: Self.devMinorField, of: &block)
        Self.put(prefix, in: Self.prefixField, of: &block)
        // Six octal digits, NUL, space: the form every tar writes.
        let sum = Self.checksums(of: block).unsigned
        Self.putOctal(sum, in: 148..<155, of: &block)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// The header in `block` (512 bytes, not all zero).
    static func decode(_ block: [UInt8]) throws(Problem) -> TarHeader {
        precondition(block.count == blockSize)
        guard case .success(let stored) = parseNumber(block[checksumField]) else { throw .badChecksum }
        let sums = checksums(of: block)
        // Old writers summed signed chars; both forms are in the wild.
        guard stored == sums.unsigned || stored == sums.signed else { throw .badChecksum }

        let size: Int64
        switch parseNumber(block[sizeField]) {
        case .success(let value): size = value
        case .failure(.notANumber): throw .badSizeField
        case .failure(.negative): throw .negativeSize
        case .failure(.tooLarge): throw .hugeSize
        }
        guard size <= maximumSize else { throw .hugeSize }

        // Only POSIX ustar has a prefix; old GNU headers keep other fields in those bytes.
        let isPOSIX = Array(block[magicField]) == posixMagic
        return TarHeader(
            name: cString(block[nameField]),
            prefix: isPOSIX ? cString(block[prefixField]) : [],
            mode: 0,
            size: size,
            typeflag: block[typeflagOffset]
        )
    }

    static func isZero(_ block: [UInt8]) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// A numeric field: octal digits padded with spaces or NULs, or GNU base-256 (high bit set).
    static func parseNumber(_ field: ArraySlice<UInt8>) -> Result<Int64, NumberProblem> {
        guard let first = field.first else { return .success(0) }
        if first & 0x80 != 0 {
            if first & 0x40 != 0 { return .failure(.negative) }
            var value = Int64(first & 0x3F)
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return .failure(.tooLarge) }
                value = value << 8 | Int64(byte)
            }
            return .success(value)
        }
        let isPadding = { (byte: UInt8) in byte == 0 || byte == UInt8(ascii: " ") }
        var digits = field.drop(while: isPadding)
        while let last = digits.last, isPadding(last) { digits = digits.dropLast() }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return .failure(.notANumber) }
            guard value <= Int64.max >> 3 else { return .failure(.tooLarge) }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
        }
        return .success(value)
    }

    /// Sums of the block with the checksum field taken as spaces, reading bytes unsigned and signed.
    private static func checksums(of block: [UInt8]) -> (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = checksumField.contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return (unsigned, signed)
    }

    /// The bytes of a NUL-terminated (or full-width) field.
    private static func cString(_ field: ArraySlice<UInt8>) -> [UInt8] {
        Array(field.prefix { $0 != 0 })
    }

    private static func put(_ bytes: [UInt8], in field: Range<Int>, of block: inout [UInt8]) {
        for (offset, byte) in bytes.prefix(field.count).enumerated() {
            block[field.lowerBound + offset] = byte
        }
    }

    /// Zero-padded octal filling all but the last byte of the field, which stays NUL.
    private static func putOctal(_ value: Int64, in field: Range<Int>, of block: inout [UInt8]) {
        var remaining = value
        for index in field.dropLast().reversed() {
            block[index] = UInt8(ascii: "0") + UInt8(remaining & 7)
            remaining >>= 3
        }
        block[field.upperBound - 1] = 0
    }

    /// GNU base-256: high bit of the first byte set, the value big-endian in the rest.
    private static func putBase256(_ value: Int64, in field: Range<Int>, of block: inout [UInt8]) {
        var remaining = value
        for index in field.reversed() {
            block[index] = UInt8(remaining & 0xFF)
            remaining >>= 8
        }
        block[field.lowerBound] = 0x80
    }
}
