/// What the harness pushed: one image (or index) and its blobs, as `imagegen.py` reports them.
struct SeededImage: Decodable, Sendable {
    struct Blob: Decodable, Sendable, Hashable {
        let digest: String
        let size: Int64
        let mediaType: String?
    }

    let repository: String
    let tag: String
    let mediaType: String
    let digest: String
    let size: Int64
    let blobs: [Blob]
    let children: [SeededImage]?
    let platform: String?

    /// Manifests by digest: the image's own and its children's.
    var manifestDigests: [String] { [digest] + (children ?? []).map(\.digest) }
}

extension Array where Element == SeededImage {
    func named(_ repository: String) -> SeededImage {
        guard let image = first(where: { $0.repository == repository }) else { fatalError("harness did not seed \(repository)") }
        return image
    }
}
