#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a manifest's JSON says, read once the same way everywhere: whether it is an index, an
/// image manifest or something else; the child manifests an index lists, with their platforms;
/// the blobs an image manifest lists (config, layers, an artifact's blobs, schema 1's `fsLayers`),
/// with their sizes; and the `subject` it refers to, if any.
///
/// The one parser of manifest JSON. Pure and total: any bytes give a document or nil, never a
/// trap. It is lenient where a registry would be: unknown keys are ignored, and a key or a
/// descriptor that is malformed (wrong type, invalid digest) is left out rather than failing the
/// whole document, so one odd entry never hides the rest.
public struct ManifestDocument: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An OCI image index or a Docker manifest list: it has a `manifests` array.
        case index
        /// An image or artifact manifest: it has a config, layers, blobs or (schema 1) fsLayers.
        case image
        /// A JSON object that is neither.
        case other
    }

    public let kind: Kind
    /// The document's own `mediaType` key; OCI makes it optional, schema 1 has none.
    public let mediaType: String?
    /// An index's entries, in order.
    public let children: [ContentDescriptor]
    /// An image's config, then layers, then an artifact's blobs, then schema 1's layers, in order
    /// (a digest listed twice appears twice).
    public let blobs: [ContentDescriptor]
    /// The manifest this one refers to (a signature's or an attestation's image), OCI 1.1. It
    /// points up, not down: walks and links do not follow it.
    public let subject: ContentDescriptor?

    public init(kind: Kind, mediaType: String? = nil, children: [ContentDescriptor] = [], blobs: [ContentDescriptor] = [],
                subject: ContentDescriptor? = nil) {
        self.kind = kind
        self.mediaType = mediaType
        self.children = children
        self.blobs = blobs
        self.subject = subject
    }

    /// The document in `bytes`, or nil when they are not a JSON object.
    public static func parse(_ bytes: [UInt8]) -> ManifestDocument? {
        guard let json = try? JSONDecoder().decode(JSONManifest.self, from: Data(bytes)) else { return nil }
        let kind: Kind = if json.manifests != nil {
            .index
        } else if json.config != nil || json.layers != nil || json.blobs != nil || json.fsLayers != nil {
            .image
        } else {
            .other
        }
        var blobs = [json.config?.descriptor].compactMap { $0 }
        blobs += (json.layers ?? []).compactMap { $0.value?.descriptor }
        blobs += (json.blobs ?? []).compactMap { $0.value?.descriptor }
        blobs += (json.fsLayers ?? []).compactMap { $0.value?.descriptor }
        return ManifestDocument(kind: kind, mediaType: json.mediaType, children: (json.manifests ?? []).compactMap { $0.value?.descriptor },
                                blobs: blobs, subject: json.subject?.descriptor)
    }

    /// The children for any of `platforms`; every child when `platforms` is empty. A child that
    /// names no platform is chosen only then.
    public func children(for platforms: [Platform]) -> [ContentDescriptor] {
        guard !platforms.isEmpty else { return children }
        return children.filter { child in child.platform.map { candidate in platforms.contains { $0.matches(candidate) } } ?? false }
    }

    /// The platforms the children name, in order: what an index has, for messages.
    public var childPlatforms: [Platform] { children.compactMap(\.platform) }
}

// MARK: The JSON, read leniently

/// A value that decodes to nil instead of failing its container.
private struct Lenient<Value: Decodable>: Decodable {
    let value: Value?

    init(from decoder: any Decoder) {
        value = try? Value(from: decoder)
    }
}

private struct JSONManifest: Decodable {
    let mediaType: String?
    let manifests: [Lenient<JSONDescriptor>]?
    let config: JSONDescriptor?
    let layers: [Lenient<JSONDescriptor>]?
    let blobs: [Lenient<JSONDescriptor>]?
    let fsLayers: [Lenient<SchemaOneLayer>]?
    let subject: JSONDescriptor?

    enum CodingKeys: String, CodingKey {
        case mediaType, manifests, config, layers, blobs, fsLayers, subject
    }

    /// Throws only when the document is not a JSON object; a key of the wrong type reads as absent.
    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try? object.decodeIfPresent(String.self, forKey: .mediaType)
        manifests = try? object.decodeIfPresent([Lenient<JSONDescriptor>].self, forKey: .manifests)
        config = try? object.decodeIfPresent(JSONDescriptor.self, forKey: .config)
        layers = try? object.decodeIfPresent([Lenient<JSONDescriptor>].self, forKey: .layers)
        blobs = try? object.decodeIfPresent([Lenient<JSONDescriptor>].self, forKey: .blobs)
        fsLayers = try? object.decodeIfPresent([Lenient<SchemaOneLayer>].self, forKey: .fsLayers)
        subject = try? object.decodeIfPresent(JSONDescriptor.self, forKey: .subject)
    }
}

private struct JSONDescriptor: Decodable {
    let descriptor: ContentDescriptor?

    enum CodingKeys: String, CodingKey {
        case digest, mediaType, size, platform
    }

    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: CodingKeys.self)
        let platform = try? object.decodeIfPresent(JSONPlatform.self, forKey: .platform)
        descriptor = (try? object.decodeIfPresent(String.self, forKey: .digest)).flatMap(Digest.init).map { digest in
            ContentDescriptor(digest: digest, mediaType: try? object.decodeIfPresent(String.self, forKey: .mediaType),
                              size: try? object.decodeIfPresent(Int64.self, forKey: .size), platform: platform?.platform)
        }
    }
}

private struct JSONPlatform: Decodable {
    let os: String?
    let architecture: String?
    let variant: String?

    /// Nil unless both the OS and the architecture are named.
    var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}

private struct SchemaOneLayer: Decodable {
    let descriptor: ContentDescriptor?

    enum CodingKeys: String, CodingKey {
        case blobSum
    }

    init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: CodingKeys.self)
        descriptor = (try? object.decodeIfPresent(String.self, forKey: .blobSum)).flatMap(Digest.init).map { ContentDescriptor(digest: $0) }
    }
}
