import OCI

/// The one place that names files under the data directory:
///
///     <root>/index/                  LMDB environment
///     <root>/blobs/sha256/ab/<hex>   committed blobs, named by digest
///     <root>/ingest/                 downloads in flight (swept at start-up)
///     <root>/lock                    held by the server (or a repair) while it runs
///     <root>/writer.lock             held by any process around one unit of index-writer work
public struct StorageLayout: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var indexDirectory: String { root + "/index" }
    public var blobsDirectory: String { root + "/blobs" }
    public var ingestDirectory: String { root + "/ingest" }
    public var lockPath: String { root + "/lock" }
    public var writerLockPath: String { root + "/writer.lock" }

    /// Only digests whose encoding is safe as a file name reach here (the grammar has no `/` or `.`),
    /// and the algorithm is a directory, so two algorithms never collide.
    public func blobDirectory(for digest: Digest) -> String {
        "\(blobsDirectory)/\(digest.algorithm)/\(digest.encoded.prefix(2))"
    }

    public func blobPath(for digest: Digest) -> String {
        "\(blobDirectory(for: digest))/\(digest.encoded)"
    }

    public func ingestPath(named name: String) -> String {
        "\(ingestDirectory)/\(name)"
    }
}
