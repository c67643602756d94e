#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The rules for following a redirect by hand (a blob's `307` to S3 or a CDN, typically).
enum Redirect {
    static let statuses: Set<UInt> = [301, 302, 303, 307, 308]
    static let maximumHops = 5

    /// The absolute http(s) URL a `Location` value points to, resolved against the URL that sent it.
    static func target(of location: String, from current: String) -> String? {
        guard let base = URL(string: current),
              let resolved = URL(string: location.trimmingHTTPWhitespace, relativeTo: base)?.absoluteURL,
              let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
              !(resolved.host ?? "").isEmpty else { return nil }
        return resolved.absoluteString
    }

    /// Whether two URLs share scheme, host and port, with default ports filled in. Only then may a
    /// request carry the upstream's `Authorization`: signed storage URLs reject or leak it.
    static func isSameOrigin(_ first: String, _ second: String) -> Bool {
        guard let first = Origin(first), let second = Origin(second) else { return false }
        return first == second
    }

    private struct Origin: Equatable {
        let scheme: String
        let host: String
        let port: Int

        init?(_ text: String) {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
            self.scheme = scheme
            self.host = host
            self.port = url.port ?? (scheme == "https" ? 443 : 80)
        }
    }
}
