#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The child manifests of an OCI image index or Docker manifest list, with the platform each is for.
public struct ImageIndex: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let digest: Digest
        public let mediaType: String?
        public let size: Int64?
        /// Nil for entries that name no platform (attestations, artifacts).
        public let platform: Platform?
    }

    public let entries: [Entry]

    /// The entries of `bytes` when it is an index (it has a `manifests` array); nil otherwise.
    /// Entries with a malformed digest are left out.
    public static func parse(_ bytes: [UInt8]) -> ImageIndex? {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(bytes)), let manifests = document.manifests else { return nil }
        return ImageIndex(entries: manifests.compactMap { descriptor in
            guard let digest = descriptor.digest.flatMap(Digest.init) else { return nil }
            let platform = descriptor.platform.flatMap { value -> Platform? in
                guard let os = value.os, let architecture = value.architecture else { return nil }
                return Platform(os: os, architecture: architecture, variant: value.variant)
            }
            return Entry(digest: digest, mediaType: descriptor.mediaType, size: descriptor.size, platform: platform)
        })
    }

    /// The entries for any of `platforms`; every entry when `platforms` is empty.
    public func entries(for platforms: [Platform]) -> [Entry] {
        guard !platforms.isEmpty else { return entries }
        return entries.filter { entry in entry.platform.map { candidate in platforms.contains { $0.matches(candidate) } } ?? false }
    }

    private struct Document: Decodable {
        let manifests: [Descriptor]?
    }

    private struct Descriptor: Decodable {
        let digest: String?
        let mediaType: String?
        let size: Int64?
        let platform: PlatformValue?
    }

    private struct PlatformValue: Decodable {
        let os: String?
        let architecture: String?
        let variant: String?
    }
}
