/// An upstream failure that keeps its meaning, so the cache can tell the client what really happened
/// (401, 403, 404 and 429 with `Retry-After` stay what they are). Every message names the upstream
/// and none carries a secret.
public enum UpstreamError: Error, Sendable, Equatable {
    /// The upstream refused Stowage's credentials, or anonymous access when none are configured.
    case unauthorized(upstream: String, detail: String)
    /// 403: authenticated, but not allowed.
    case denied(upstream: String, detail: String)
    /// 404, with the upstream's OCI error code (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `BLOB_UNKNOWN`) if it sent one.
    case notFound(upstream: String, code: String?)
    /// 429, with its `Retry-After` value verbatim (seconds or an HTTP date).
    case tooManyRequests(upstream: String, retryAfter: String?)
    /// No connection or no response: refused, DNS, TLS, a reset before the headers.
    case unreachable(upstream: String, reason: String)
    /// No connection within the connect timeout, or no response headers within the response timeout.
    case timedOut(upstream: String)
    /// 5xx, or anything else the upstream should not have answered.
    case badResponse(upstream: String, status: Int, detail: String)
    /// Not tried: the upstream failed to connect or answer recently and counts as down until
    /// `retryIn` has passed (see `CircuitBreaker`).
    case offline(upstream: String, retryIn: Duration)

    /// Failures that say the upstream cannot be reached at all (they open the circuit breaker).
    var meansUnreachable: Bool {
        switch self {
        case .unreachable, .timedOut: true
        default: false
        }
    }

    /// The `UpstreamSettings.name` of the upstream that failed.
    public var upstream: String {
        switch self {
        case .unauthorized(let upstream, _), .denied(let upstream, _), .notFound(let upstream, _),
             .tooManyRequests(let upstream, _), .unreachable(let upstream, _), .timedOut(let upstream),
             .badResponse(let upstream, _, _), .offline(let upstream, _):
            upstream
        }
    }
}

extension UpstreamError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unauthorized(let upstream, let detail):
            "upstream \(upstream) refused Stowage's authentication: \(detail)"
        case .denied(let upstream, let detail):
            "upstream \(upstream) denied access: \(detail)"
        case .notFound(let upstream, let code):
            "not found at upstream \(upstream)" + (code.map { " (\($0))" } ?? "")
        case .tooManyRequests(let upstream, let retryAfter):
            "upstream \(upstream) is rate limiting requests" + (retryAfter.map { "; retry after \($0)" } ?? "")
        case .unreachable(let upstream, let reason):
            "upstream \(upstream) is unreachable: \(reason)"
        case .timedOut(let upstream):
            "upstream \(upstream) did not answer in time"
        case .badResponse(let upstream, let status, let detail):
            "upstream \(upstream) answered \(status): \(detail)"
        case .offline(let upstream, let retryIn):
            "upstream \(upstream) is down (recent attempts failed); next attempt in \(retryIn.wholeSecondsRoundedUp)s"
        }
    }
}

extension Duration {
    /// Seconds as a fraction (for reports).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// Whole seconds, rounded up (for `Retry-After` and messages).
    public var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
