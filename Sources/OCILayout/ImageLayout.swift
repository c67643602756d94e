#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OCI

/// The fixed names and file formats of an OCI image layout: `oci-layout`, `index.json` and
/// `blobs/<algorithm>/<encoded>`. The one place that maps digests to layout paths and back.
public enum ImageLayout {
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"
    /// Stowage's own routing of an exported image: the upstream it was cached from, by name, and the
    /// repository's name there. `import` uses them when it has an upstream of that name, so a far
    /// side whose upstream has another URL (or none) stores the image where its clients will ask.
    public static let upstreamAnnotation = "io.stowage.upstream"
    public static let repositoryAnnotation = "io.stowage.repository"
    public static let layoutFileName = "oci-layout"
    public static let layoutFileBytes: [UInt8] = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
    public static let indexFileName = "index.json"
    public static let blobsDirectory = "blobs"

    /// `blobs/<algorithm>/<encoded>`.
    public static func blobPath(_ digest: Digest) -> String {
        "\(blobsDirectory)/\(digest.algorithm)/\(digest.encoded)"
    }

    /// The digest whose blob lives at `path`; nil for any other path, including ones that only
    /// look like blob paths ("blobs/sha256/../x", a short sha256).
    public static func digest(atBlobPath path: String) -> Digest? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 3, components[0] == blobsDirectory else { return nil }
        // Neither part of a valid digest can hold "/", ".." or a ":", so the path names exactly one.
        guard !components[1].contains(":") else { return nil }
        return Digest("\(components[1]):\(components[2])")
    }

    /// `index` as JSON with sorted keys and unescaped slashes, the same bytes for the same index.
    public static func encode(_ index: LayoutIndex) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings, integers, arrays and objects: nothing that JSONEncoder can refuse.
        return Array(try! encoder.encode(index))
    }

    /// The index in `bytes`, checked for what an importer relies on: schema version 2, valid
    /// digests and non-negative sizes. Unknown keys are ignored.
    public static func decodeIndex(_ bytes: [UInt8]) throws(LayoutError) -> LayoutIndex {
        let index: LayoutIndex
        do {
            index = try JSONDecoder().decode(LayoutIndex.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidIndex(reason: reason(for: error))
        } catch {
            throw .invalidIndex(reason: "\(error)")
        }
        guard index.schemaVersion == 2 else {
            throw .invalidIndex(reason: "schemaVersion is \(index.schemaVersion), expected 2")
        }
        for (position, descriptor) in index.manifests.enumerated() {
            guard Digest(descriptor.digest) != nil else {
                throw .invalidIndex(reason: "manifests[\(position)].digest \"\(descriptor.digest)\" is not a valid digest")
            }
            guard descriptor.size >= 0 else {
                throw .invalidIndex(reason: "manifests[\(position)].size is negative")
            }
        }
        return index
    }

    private static func reason(for error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            "\(describe(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            "the document is not a JSON object"
        case .typeMismatch(_, let context):
            "\(describe(context.codingPath)) has the wrong type"
        case .valueNotFound(_, let context):
            "\(describe(context.codingPath)) is null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            "not valid JSON"
        case .dataCorrupted(let context):
            "\(describe(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            "\(error)"
        }
    }

    /// A coding path as `manifests[0].digest`.
    private static func describe(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let position = key.intValue {
                text += "[\(position)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }
}
