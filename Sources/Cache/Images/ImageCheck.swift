import OCI
import Store
import Upstream

/// Proves images can be pulled through their upstream, without storing anything (`stowage check`):
/// each image is routed as `serve` would, its manifest (and, for an index, the children for the
/// asked platforms) fetched and verified against its digest, and every blob asked for with a
/// `HEAD`. The first failure of an image is reported with its class and the part that failed.
public struct ImageCheck: Sendable {
    let cache: PullThroughCache
    let platforms: [Platform]

    public init(cache: PullThroughCache, platforms: [Platform]) {
        self.cache = cache
        self.platforms = platforms
    }

    /// Checks the images one after another.
    public func run(_ images: [String]) async -> [CheckReport] {
        var reports: [CheckReport] = []
        for image in images {
            reports.append(await check(image))
        }
        return reports
    }

    public func check(_ image: String) async -> CheckReport {
        let target: ImageTarget
        do {
            target = try cache.target(for: image)
        } catch {
            let kind: CheckFailure.Kind = error.code == .nameUnknown ? .noUpstream : .invalidReference
            return CheckReport(image: image, name: nil, digest: nil, manifests: 0, blobs: 0,
                               failure: CheckFailure(kind: kind, part: "reference \(image)", message: error.message))
        }
        var report = CheckReport(image: image, name: target.name, digest: nil, manifests: 0, blobs: 0, failure: nil)
        do throws(CheckFailure) {
            let client = target.repository.upstream.client
            let repository = target.repository.name.value
            let expected: Digest? = if case .digest(let digest) = target.reference { digest } else { nil }
            let top = try await manifest(client, repository, reference: target.reference.description, expected: expected,
                                         part: target.tag.map { "tag \($0.value) of \(target.repository.name)" } ?? "manifest \(target.name)")
            report.digest = top.digest
            report.manifests = 1
            var images = [(top.bytes, "")]
            if let index = ImageIndex.parse(top.bytes) {
                let children = index.entries(for: platforms)
                guard !children.isEmpty else {
                    let available = index.entries.compactMap { $0.platform?.description }.joined(separator: ", ")
                    throw CheckFailure(kind: .notFound, part: "platform \(platforms.map(\.description).joined(separator: ", "))",
                                       message: "the index has no manifest for it (it has \(available))")
                }
                images = []
                for child in children {
                    let platform = child.platform.map { " (\($0))" } ?? ""
                    let manifest = try await manifest(client, repository, reference: child.digest.description, expected: child.digest,
                                                      part: "manifest \(child.digest)\(platform)")
                    report.manifests += 1
                    if ImageIndex.parse(manifest.bytes) == nil { images.append((manifest.bytes, platform)) }
                }
            }
            var checked = Set<Digest>()
            for (bytes, platform) in images {
                guard let references = ManifestReferences.parse(bytes) else { continue }
                for digest in references.blobs where checked.insert(digest).inserted {
                    try await blob(client, repository, digest, size: references.sizes[digest], part: "blob \(digest)\(platform)")
                    report.blobs += 1
                }
            }
        } catch {
            report.failure = error
        }
        return report
    }

    private func manifest(_ client: RegistryClient, _ repository: String, reference: String, expected: Digest?,
                          part: String) async throws(CheckFailure) -> (digest: Digest, bytes: [UInt8]) {
        let response: UpstreamManifest
        do {
            response = try await client.manifest(repository: repository, reference: reference, method: .get)
        } catch {
            throw CheckFailure(error, part: part)
        }
        let bytes = response.bytes ?? []
        let computed = SHA256Hasher.digest(of: bytes)
        let claimed = expected ?? response.digest.flatMap(Digest.init).flatMap { $0.isSHA256 ? $0 : nil }
        if let claimed, claimed != computed {
            throw CheckFailure(kind: .digestMismatch, part: part, message: "the upstream sent bytes hashing to \(computed), not \(claimed)")
        }
        return (computed, bytes)
    }

    private func blob(_ client: RegistryClient, _ repository: String, _ digest: Digest, size: Int64?, part: String) async throws(CheckFailure) {
        let answered: Int64?
        do {
            answered = try await client.blobSize(repository: repository, digest: digest.description)
        } catch {
            throw CheckFailure(error, part: part)
        }
        if let size, let answered, size != answered {
            throw CheckFailure(kind: .digestMismatch, part: part, message: "the upstream has \(answered) bytes, the manifest says \(size)")
        }
    }
}

/// What `ImageCheck` found for one image.
public struct CheckReport: Sendable {
    /// As given, and as routed (nil when it could not be routed).
    public let image: String
    public let name: String?
    public var digest: Digest?
    public var manifests: Int
    public var blobs: Int
    public var failure: CheckFailure?
}

/// Why an image cannot be pulled, in classes a vendor's CI can act on.
public struct CheckFailure: Error, Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case credentialsRejected = "credentials-rejected"
        case accessDenied = "access-denied"
        case notFound = "not-found"
        case rateLimited = "rate-limited"
        case tlsError = "tls-error"
        case unreachable
        case digestMismatch = "digest-mismatch"
        case upstreamError = "upstream-error"
        case invalidReference = "invalid-reference"
        case noUpstream = "no-upstream"

        /// 1: the release itself is broken (missing or wrong content, bad reference); 3: the
        /// credentials do not grant the pull; 4: try again later (rate limit, network, TLS, upstream errors).
        public var exitStatus: Int32 {
            switch self {
            case .notFound, .digestMismatch, .invalidReference, .noUpstream: 1
            case .credentialsRejected, .accessDenied: 3
            case .rateLimited, .tlsError, .unreachable, .upstreamError: 4
            }
        }
    }

    public let kind: Kind
    /// What failed: `tag 1.1 of app/api`, `blob sha256:… (linux/arm64)`.
    public let part: String
    public let message: String
    /// The upstream's `Retry-After`, for `rateLimited`.
    public var retryAfter: String?

    public init(kind: Kind, part: String, message: String, retryAfter: String? = nil) {
        self.kind = kind
        self.part = part
        self.message = message
        self.retryAfter = retryAfter
    }

    init(_ error: UpstreamError, part: String) {
        switch error {
        case .unauthorized: self.init(kind: .credentialsRejected, part: part, message: "\(error)")
        case .denied: self.init(kind: .accessDenied, part: part, message: "\(error)")
        case .notFound: self.init(kind: .notFound, part: part, message: "\(error)")
        case .tooManyRequests(_, let retryAfter): self.init(kind: .rateLimited, part: part, message: "\(error)", retryAfter: retryAfter)
        case .unreachable(_, let reason) where Self.isTLS(reason): self.init(kind: .tlsError, part: part, message: "\(error)")
        case .unreachable, .timedOut, .offline: self.init(kind: .unreachable, part: part, message: "\(error)")
        case .badResponse: self.init(kind: .upstreamError, part: part, message: "\(error)")
        }
    }

    private static func isTLS(_ reason: String) -> Bool {
        let lowered = reason.lowercased()
        return ["ssl", "tls", "certificate", "handshake"].contains { lowered.contains($0) }
    }
}
