import Metrics
import NIOHTTP1

/// An upstream's metrics, recorded where its requests go out (`UpstreamTransport`):
/// - `stowage_upstream_requests_total{upstream,method,operation,status}`: every request sent, with
///   the status of its answer, or `error` when none came (a refused connection, a timeout). The
///   operation is read from the path: `ping` (`/v2/`), `manifest`, `blob`, `tags`, `catalog`, or
///   `other` (a token service, storage a blob request was redirected to).
/// - `stowage_upstream_breaker_open{upstream}`: 1 while the upstream counts as down, else 0.
///
/// Upstream requests are rare beside hits, so a counter is looked up per request (a lock and a
/// dictionary in the factory) rather than made for every label set in advance.
struct UpstreamMetrics: Sendable {
    let upstream: String
    private let breakerOpen: Gauge

    init(upstream: String) {
        self.upstream = upstream
        breakerOpen = Gauge(label: "stowage_upstream_breaker_open", dimensions: [("upstream", upstream)])
        breakerOpen.record(0)
    }

    func requested(_ method: HTTPMethod, path: String, status: String) {
        Counter(label: "stowage_upstream_requests_total", dimensions: [
            ("upstream", upstream), ("method", method.rawValue), ("operation", Self.operation(path)), ("status", status),
        ]).increment()
    }

    func breaker(isOpen: Bool) {
        breakerOpen.record(isOpen ? 1 : 0)
    }

    static func operation(_ path: String) -> String {
        if path == "/v2/" || path == "/v2" { return "ping" }
        guard path.hasPrefix("/v2/") else { return "other" }
        if path.contains("/manifests/") { return "manifest" }
        if path.contains("/blobs/") { return "blob" }
        if path.hasSuffix("/tags/list") { return "tags" }
        if path == "/v2/_catalog" { return "catalog" }
        return "other"
    }
}
