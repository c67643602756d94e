/// An upstream failure that keeps its meaning, so the cache can map it to what the client should see.
/// Messages name the upstream and never carry a secret.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The upstream refused Stowage's credentials (or anonymous access, with none configured).
    case unauthorized(upstream: String, detail: String)
    case denied(upstream: String, detail: String)
    /// 404, with the upstream's OCI error code when it gave one.
    case notFound(upstream: String, code: String?)
    case tooManyRequests(upstream: String, retryAfter: String?)
    /// No connection or no response: refused, reset, DNS, TLS.
    case unreachable(upstream: String, reason: String)
    /// No connection or no response headers within the configured time.
    case timedOut(upstream: String)
    /// 5xx or anything else unexpected.
    case badResponse(upstream: String, status: Int, detail: String)

    public var description: String {
        switch self {
        case .unauthorized(let upstream, let detail): "upstream \(upstream) refused the credentials: \(detail)"
        case .denied(let upstream, let detail): "upstream \(upstream) denied access: \(detail)"
        case .notFound(let upstream, let code): "not found at upstream \(upstream)\(code.map { " (\($0))" } ?? "")"
        case .tooManyRequests(let upstream, let retryAfter): "upstream \(upstream) is rate limiting\(retryAfter.map { " (retry after \($0))" } ?? "")"
        case .unreachable(let upstream, let reason): "upstream \(upstream) is unreachable: \(reason)"
        case .timedOut(let upstream): "upstream \(upstream) did not answer in time"
        case .badResponse(let upstream, let status, let detail): "upstream \(upstream) answered \(status): \(detail)"
        }
    }
}
