import Console
import OCI
import OCILayout
import Store

/// A bundle (an OCI image layout tar) read and verified, nothing recorded yet: every blob is a
/// verified download in the store's `ingest/` (dropped unless an import commits it), and the small
/// JSON ones (possible manifests) are in memory too. A corrupt or incomplete bundle fails here,
/// naming the failing digest, before anything reaches the index.
public struct StagedBundle {
    public let index: LayoutIndex
    let ingests: [Digest: BlobIngest]
    let documents: [Digest: [UInt8]]

    /// Blobs this small that start like JSON are kept in memory as possible manifests.
    static let documentLimit = 4 << 20

    public static func read(_ path: String, into store: ContentStore) async throws(BundleError) -> StagedBundle {
        do {
            return try await stage(path, into: store)
        } catch let error as BundleError {
            throw error
        } catch {
            throw BundleError("\(error)")
        }
    }

    private static func stage(_ path: String, into store: ContentStore) async throws -> StagedBundle {
        let tar = try TarReader(path: path)
        var indexBytes: [UInt8]?
        var hasLayout = false
        var ingests: [Digest: BlobIngest] = [:]
        var documents: [Digest: [UInt8]] = [:]
        while let entry = try tar.next() {
            guard entry.kind == .file else { continue }
            if entry.name == ImageLayout.indexFileName {
                guard entry.size <= 16 << 20 else { throw BundleError("its index.json is larger than 16 MiB") }
                indexBytes = try tar.read(maximum: Int(entry.size))
            } else if entry.name == ImageLayout.layoutFileName {
                hasLayout = true
            } else if let digest = ImageLayout.digest(atBlobPath: entry.name), ingests[digest] == nil {
                guard digest.isSHA256 else { throw BundleError("\(entry.name): only sha256 blobs can be verified") }
                guard let ingest = try await store.beginIngest(of: digest, expectedSize: entry.size) else {
                    throw BundleError("no room in the cache for \(digest) (\(Formatting.bytes(entry.size))): raise storage.maxSize")
                }
                var document: [UInt8]? = entry.size <= documentLimit ? [] : nil
                while true {
                    let chunk = try tar.read(maximum: 1 << 20)
                    if chunk.isEmpty { break }
                    try chunk.withUnsafeBytes { try ingest.append($0) }
                    if document != nil { document! += chunk }
                    if document?.first.map({ $0 != UInt8(ascii: "{") }) ?? false { document = nil }
                }
                do {
                    try ingest.verify()
                } catch {
                    throw BundleError("corrupt bundle: \(entry.name) does not match its digest \(digest) (\(error))")
                }
                ingests[digest] = ingest
                if let document { documents[digest] = document }
            }
        }
        guard hasLayout else { throw BundleError("it is not an OCI image layout (no oci-layout file)") }
        guard let indexBytes else { throw BundleError("it is not an OCI image layout (no index.json)") }
        return StagedBundle(index: try ImageLayout.decodeIndex(indexBytes), ingests: ingests, documents: documents)
    }
}
