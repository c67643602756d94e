import NIOCore

/// The byte layouts of index records: fixed-width little-endian integers and
/// length-prefixed strings, so a manifest hit decodes without a parser.
struct RecordWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int64(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int64(Int64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func rest(_ value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
    }
}

struct RecordReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func int64() -> Int64? {
        guard offset + 8 <= bytes.count else { return nil }
        var value: Int64 = 0
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 8])) }
        offset += 8
        return Int64(littleEndian: value)
    }

    mutating func string() -> String? {
        guard let count = int64(), count >= 0, offset + Int(count) <= bytes.count else { return nil }
        defer { offset += Int(count) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(count)]), as: UTF8.self)
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// The rest, copied once into a buffer the server can send as is.
    mutating func restBuffer() -> ByteBuffer {
        defer { offset = bytes.count }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }
}
