import OCI
import Upstream

/// Proves images can be pulled through their upstream, without storing anything (`stowage check`):
/// each image is routed as `serve` would and walked at its upstream (`UpstreamImageSource`): its
/// manifest (and, for an index, the children for the asked platforms) fetched and verified against
/// its digest, and every blob asked for with a `HEAD`. The first failure of an image is reported
/// with its class and the part that failed.
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
        var progress = ImageWalk.Progress()
        var failure: CheckFailure?
        do throws(CheckFailure) {
            _ = try await ImageWalk(platforms: platforms).run(target.reference, in: UpstreamImageSource(target, through: cache.remote), progress: &progress)
        } catch {
            failure = error
        }
        return CheckReport(image: image, name: target.name, digest: progress.top, manifests: progress.manifests, blobs: progress.blobs,
                           failure: failure)
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
