import OCI

/// One unit of cached content that takes up budget and has a place in the access order: a blob
/// file or a manifest kept in the index.
public struct ContentKey: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable {
        case blob = 0x62      // "b"
        case manifest = 0x6d  // "m"
    }

    public let kind: Kind
    public let digest: Digest

    public init(_ kind: Kind, _ digest: Digest) {
        self.kind = kind
        self.digest = digest
    }

    public var description: String { "\(kind == .blob ? "blob" : "manifest") \(digest)" }

    /// Key in the `entries` database: kind byte, then the digest.
    var bytes: [UInt8] { [kind.rawValue] + digest.indexKey }

    init?(bytes: some Collection<UInt8>) {
        guard let first = bytes.first, let kind = Kind(rawValue: first),
              let digest = Digest(String(decoding: bytes.dropFirst(), as: UTF8.self)) else { return nil }
        self.init(kind, digest)
    }
}

/// Key in the `access` database: the access sequence number big-endian (so LMDB's byte order is
/// the access order, least recent first), then the content key.
struct AccessKey {
    let sequence: UInt64
    let content: ContentKey

    var bytes: [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian, Array.init) + content.bytes
    }

    init(sequence: UInt64, content: ContentKey) {
        self.sequence = sequence
        self.content = content
    }

    init?(bytes: [UInt8]) {
        guard bytes.count > 9, let content = ContentKey(bytes: bytes[8...]) else { return nil }
        var value: UInt64 = 0
        for byte in bytes[..<8] { value = value << 8 | UInt64(byte) }
        self.init(sequence: value, content: content)
    }
}

/// Budget accounting for one piece of content: its size and when it was last used.
struct EntryRecord: Equatable {
    /// Position in the access order (larger is more recent).
    var sequence: UInt64
    /// Seconds since the epoch of the last access, for people (`stowage stats`).
    var accessedAt: Int64
    let size: Int64

    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.int64(Int64(bitPattern: sequence))
        w.int64(accessedAt)
        w.int64(size)
        return w.bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer) -> EntryRecord? {
        var r = RecordReader(raw)
        guard let sequence = r.int64(), let accessedAt = r.int64(), let size = r.int64() else { return nil }
        return EntryRecord(sequence: UInt64(bitPattern: sequence), accessedAt: accessedAt, size: size)
    }
}
