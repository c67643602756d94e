#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a manifest refers to: the child manifests of an index and the blobs (config, layers,
/// artifact blobs) of an image. Pinning walks these so an image's parts stay together.
public struct ManifestReferences: Sendable, Equatable {
    public let manifests: [Digest]
    public let blobs: [Digest]
    /// The sizes the descriptors give, by digest (schema 1 manifests give none).
    public let sizes: [Digest: Int64]

    public init(manifests: [Digest], blobs: [Digest], sizes: [Digest: Int64] = [:]) {
        self.manifests = manifests
        self.blobs = blobs
        self.sizes = sizes
    }

    /// The references in a manifest's JSON, or nil when it is not a JSON object. Descriptors with
    /// a malformed digest are left out; unknown fields are ignored.
    public static func parse(_ bytes: [UInt8]) -> ManifestReferences? {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(bytes)) else { return nil }
        let manifests = (document.manifests ?? []).compactMap(\.parsed)
        var blobs = [document.config].compactMap { $0?.parsed }
        blobs += (document.layers ?? []).compactMap(\.parsed)
        blobs += (document.blobs ?? []).compactMap(\.parsed)
        blobs += (document.fsLayers ?? []).compactMap { $0.blobSum.flatMap(Digest.init) }
        var sizes: [Digest: Int64] = [:]
        let descriptors = (document.manifests ?? []) + [document.config].compactMap { $0 } + (document.layers ?? []) + (document.blobs ?? [])
        for descriptor in descriptors {
            if let digest = descriptor.parsed, let size = descriptor.size, size >= 0 { sizes[digest] = size }
        }
        return ManifestReferences(manifests: manifests, blobs: blobs, sizes: sizes)
    }

    private struct Document: Decodable {
        let manifests: [Descriptor]?
        let config: Descriptor?
        let layers: [Descriptor]?
        let blobs: [Descriptor]?
        let fsLayers: [SchemaOneLayer]?
    }

    private struct Descriptor: Decodable {
        let digest: String?
        let size: Int64?
        var parsed: Digest? { digest.flatMap(Digest.init) }
    }

    private struct SchemaOneLayer: Decodable {
        let blobSum: String?
    }
}
