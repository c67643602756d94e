import Metrics

/// The request metrics, as swift-metrics handles created once at start-up (one per label set) and
/// incremented where a response ends (`RequestRecorder`): atomic adds, no lookup by name on the
/// request path. The process's metrics factory (Prometheus, in `serve`) must be bootstrapped
/// before this is created.
///
/// - distribution's proxy metrics, `type` = `manifest` or `blob` (a blob `HEAD` counts as blob):
///   `registry_proxy_requests_total` every such request; `…_hits_total` answered from the store
///   (a stale tag, and content the upstream only confirmed, included); `…_misses_total` the others
///   that reached the cache (fetched, joined, or failed upstream); `…_pulled_bytes_total` the bytes
///   of responses fetched from the upstream (a joined download's bytes were pulled once, by the
///   request that started it).
/// - `stowage_requests_total{kind,result}` (`Served`): every request, with what no anchor exports:
///   stale answers, coalesced followers, refusals.
/// - `stowage_response_bytes_total{kind}`: body bytes sent.
/// - `stowage_time_to_first_byte_seconds`: from the request head to the response head (histogram).
struct RequestMetrics: Sendable {
    private let proxyRequests: [Counter]
    private let proxyHits: [Counter]
    private let proxyMisses: [Counter]
    private let proxyPulledBytes: [Counter]
    /// `Served.Kind.allCases.count × Served.Result.allCases.count`, kind-major.
    private let requests: [Counter]
    private let responseBytes: [Counter]
    private let firstByte: Timer

    private static let proxyTypes = ["blob", "manifest"]

    init() {
        func proxy(_ name: String) -> [Counter] { Self.proxyTypes.map { Counter(label: name, dimensions: [("type", $0)]) } }
        proxyRequests = proxy("registry_proxy_requests_total")
        proxyHits = proxy("registry_proxy_hits_total")
        proxyMisses = proxy("registry_proxy_misses_total")
        proxyPulledBytes = proxy("registry_proxy_pulled_bytes_total")
        requests = Served.Kind.allCases.flatMap { kind in
            Served.Result.allCases.map { result in
                Counter(label: "stowage_requests_total", dimensions: [("kind", kind.rawValue), ("result", result.rawValue)])
            }
        }
        responseBytes = Served.Kind.allCases.map { Counter(label: "stowage_response_bytes_total", dimensions: [("kind", $0.rawValue)]) }
        firstByte = Timer(label: "stowage_time_to_first_byte_seconds", preferredDisplayUnit: .seconds)
    }

    func record(_ served: Served?, bytes: Int64, firstByte: Duration) {
        let served = served ?? Served(kind: .unrouted, result: .refused)
        let kind = served.kind.position, result = served.result.position
        requests[kind * Served.Result.allCases.count + result].increment()
        if bytes > 0 { responseBytes[kind].increment(by: bytes) }
        self.firstByte.record(duration: firstByte)
        let type: Int
        switch served.kind {
        case .blob, .blobHead: type = 0
        case .manifest: type = 1
        default: return
        }
        proxyRequests[type].increment()
        switch served.result {
        case .hit, .stale, .local:
            proxyHits[type].increment()
        case .miss:
            proxyMisses[type].increment()
            if bytes > 0 { proxyPulledBytes[type].increment(by: bytes) }
        case .coalesced, .failed:
            proxyMisses[type].increment()
        case .refused:
            break
        }
    }
}

extension Served.Kind {
    /// The case's place in `allCases`.
    var position: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

extension Served.Result {
    var position: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
