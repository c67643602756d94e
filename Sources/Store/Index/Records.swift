import NIOCore
import OCI

/// A manifest kept byte-exact with the media type the upstream gave it.
///
/// The bytes are held in a `ByteBuffer`: read from the index they are copied once, into the
/// buffer a hit is sent from. `bytes` is an array copy, for parsers and files.
public struct StoredManifest: Sendable, Equatable {
    public let digest: Digest
    public let mediaType: String
    public let body: ByteBuffer

    public init(digest: Digest, mediaType: String, body: ByteBuffer) {
        self.digest = digest
        self.mediaType = mediaType
        self.body = body
    }

    public init(digest: Digest, mediaType: String, bytes: [UInt8]) {
        self.init(digest: digest, mediaType: mediaType, body: ByteBuffer(bytes: bytes))
    }

    public var bytes: [UInt8] { Array(body.readableBytesView) }
    public var size: Int { body.readableBytes }

    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.string(mediaType)
        w.rest(body.readableBytesView)
        return w.bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer, digest: Digest) -> StoredManifest? {
        var r = RecordReader(raw)
        guard let mediaType = r.string() else { return nil }
        return StoredManifest(digest: digest, mediaType: mediaType, body: r.restBuffer())
    }
}

/// Where a tag pointed when it was last checked with the upstream.
public struct TagRecord: Sendable, Equatable {
    public let digest: Digest
    /// Seconds since the epoch of the last upstream confirmation.
    public let checkedAt: Int64

    public init(digest: Digest, checkedAt: Int64) {
        self.digest = digest
        self.checkedAt = checkedAt
    }

    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.int64(checkedAt)
        w.string(digest.description)
        return w.bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer) -> TagRecord? {
        var r = RecordReader(raw)
        guard let checkedAt = r.int64(), let text = r.string(), let digest = Digest(text) else { return nil }
        return TagRecord(digest: digest, checkedAt: checkedAt)
    }
}

/// A committed blob file.
public struct BlobRecord: Sendable, Equatable {
    public let size: Int64
    public let storedAt: Int64

    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.int64(size)
        w.int64(storedAt)
        return w.bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer) -> BlobRecord? {
        var r = RecordReader(raw)
        guard let size = r.int64(), let storedAt = r.int64() else { return nil }
        return BlobRecord(size: size, storedAt: storedAt)
    }
}

/// Identifies a tag within one upstream: the same `repo:tag` under two upstreams is two tags.
public struct TagKey: Hashable, Sendable, CustomStringConvertible {
    public let upstream: String
    public let repository: RepositoryName
    public let tag: Tag

    public init(upstream: String, repository: RepositoryName, tag: Tag) {
        self.upstream = upstream
        self.repository = repository
        self.tag = tag
    }

    public init(_ repository: RepositoryKey, tag: Tag) {
        self.init(upstream: repository.upstream, repository: repository.repository, tag: tag)
    }

    public var repositoryKey: RepositoryKey { RepositoryKey(upstream: upstream, repository: repository) }

    public var description: String { "\(upstream)/\(repository):\(tag)" }
    var bytes: [UInt8] { Array("\(upstream)\u{0}\(repository.value):\(tag.value)".utf8) }
}

extension Digest {
    /// The key of this digest's record in the `manifests` and `blobs` databases.
    var indexKey: [UInt8] { Array(description.utf8) }
}
