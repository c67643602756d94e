import Logs
import Synchronization

/// The request metrics: counted per thread where a response ends (`RequestRecorder`), summed and
/// written in Prometheus' text format when `/metrics` is scraped, after the swift-metrics registry's
/// own (`exposition()`). Counting is a lock only the counting thread takes (and the scraper, once
/// per scrape) and a few additions: no atomic shared between event loops, no cache line that two
/// cores fight over, on the request path.
///
/// Ordering: a request's counts are added under its thread's lock in one critical section, so a
/// scrape, which takes each thread's lock in turn, sees every request whole or not at all. Counts
/// only grow, so the sums are counters as Prometheus means them.
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
/// - `stowage_time_to_first_byte_seconds`: from the request head to the response head (histogram,
///   swift-prometheus' default buckets).
public final class RequestMetrics: Sendable {
    /// One thread's counts, or their sum.
    struct Counts {
        /// `Served.Kind` × `Served.Result`, kind-major.
        var requests = [Int64](repeating: 0, count: kinds.count * results.count)
        var responseBytes = [Int64](repeating: 0, count: kinds.count)
        /// `ProxyFigure` × `ProxyType`, figure-major.
        var proxy = [Int64](repeating: 0, count: ProxyFigure.allCases.count * ProxyType.allCases.count)
        /// Observations per bucket of `firstByteBounds`, and beyond the last (not cumulative).
        var firstByte = [Int64](repeating: 0, count: firstByteBounds.count + 1)
        var firstByteNanoseconds: Int64 = 0

        mutating func add(_ other: Counts) {
            for index in requests.indices { requests[index] += other.requests[index] }
            for index in responseBytes.indices { responseBytes[index] += other.responseBytes[index] }
            for index in proxy.indices { proxy[index] += other.proxy[index] }
            for index in firstByte.indices { firstByte[index] += other.firstByte[index] }
            firstByteNanoseconds += other.firstByteNanoseconds
        }
    }

    enum ProxyFigure: Int, CaseIterable {
        case requests, hits, misses, pulledBytes
        var name: String {
            switch self {
            case .requests: "registry_proxy_requests_total"
            case .hits: "registry_proxy_hits_total"
            case .misses: "registry_proxy_misses_total"
            case .pulledBytes: "registry_proxy_pulled_bytes_total"
            }
        }
    }

    enum ProxyType: Int, CaseIterable {
        case blob, manifest
        var label: String { self == .blob ? "blob" : "manifest" }
    }

    static let kinds = Served.Kind.allCases
    static let results = Served.Result.allCases
    /// Upper bounds in nanoseconds: 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10 s.
    static let firstByteBounds: [Int64] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map { $0 * 1_000_000 }

    private final class ThreadCounts: Sendable {
        let counts = Mutex(Counts())
    }

    public init() {}

    private let local = ThreadLocal { ThreadCounts() }
    /// Every thread's counts, for the scraper.
    private let threads = Mutex<[ThreadCounts]>([])

    func record(_ served: Served?, bytes: Int64, firstByte: Duration) {
        let served = served ?? Served(kind: .unrouted, result: .refused)
        let (seconds, attoseconds) = firstByte.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        var bucket = 0
        while bucket < Self.firstByteBounds.count && nanoseconds > Self.firstByteBounds[bucket] { bucket += 1 }
        let kind = served.kind.position
        let proxyType: ProxyType? = switch served.kind {
        case .blob, .blobHead: .blob
        case .manifest: .manifest
        default: nil
        }
        let proxyFigure: ProxyFigure? = switch served.result {
        case .hit, .stale, .local: .hits
        case .miss, .coalesced, .failed: .misses
        case .refused: nil
        }
        let mine = local.value { made in threads.withLock { $0.append(made) } }
        mine.counts.withLock { counts in
            counts.requests[kind * Self.results.count + served.result.position] += 1
            counts.responseBytes[kind] += bytes
            counts.firstByte[bucket] += 1
            counts.firstByteNanoseconds += nanoseconds
            guard let proxyType else { return }
            counts.proxy[Self.slot(.requests, proxyType)] += 1
            if let proxyFigure { counts.proxy[Self.slot(proxyFigure, proxyType)] += 1 }
            if served.result == .miss { counts.proxy[Self.slot(.pulledBytes, proxyType)] += bytes }
        }
    }

    private static func slot(_ figure: ProxyFigure, _ type: ProxyType) -> Int {
        figure.rawValue * ProxyType.allCases.count + type.rawValue
    }

    /// Every thread's counts, summed.
    func total() -> Counts {
        var sum = Counts()
        for thread in threads.withLock({ $0 }) {
            thread.counts.withLock { sum.add($0) }
        }
        return sum
    }

    /// The sums in Prometheus' text format (0.0.4), every series present from the start.
    public func exposition() -> [UInt8] {
        let counts = total()
        var text = ""
        for figure in ProxyFigure.allCases {
            text += "# TYPE \(figure.name) counter\n"
            for type in ProxyType.allCases {
                text += "\(figure.name){type=\"\(type.label)\"} \(counts.proxy[Self.slot(figure, type)])\n"
            }
        }
        text += "# TYPE stowage_requests_total counter\n"
        for (kindIndex, kind) in Self.kinds.enumerated() {
            for (resultIndex, result) in Self.results.enumerated() {
                let value = counts.requests[kindIndex * Self.results.count + resultIndex]
                text += "stowage_requests_total{kind=\"\(kind.rawValue)\",result=\"\(result.rawValue)\"} \(value)\n"
            }
        }
        text += "# TYPE stowage_response_bytes_total counter\n"
        for (index, kind) in Self.kinds.enumerated() {
            text += "stowage_response_bytes_total{kind=\"\(kind.rawValue)\"} \(counts.responseBytes[index])\n"
        }
        let histogram = "stowage_time_to_first_byte_seconds"
        text += "# TYPE \(histogram) histogram\n"
        var cumulative: Int64 = 0
        for (index, bound) in Self.firstByteBounds.enumerated() {
            cumulative += counts.firstByte[index]
            text += "\(histogram)_bucket{le=\"\(Double(bound) / 1e9)\"} \(cumulative)\n"
        }
        cumulative += counts.firstByte[Self.firstByteBounds.count]
        text += "\(histogram)_bucket{le=\"+Inf\"} \(cumulative)\n"
        text += "\(histogram)_sum \(Double(counts.firstByteNanoseconds) / 1e9)\n"
        text += "\(histogram)_count \(cumulative)\n"
        return Array(text.utf8)
    }
}

extension Served.Kind {
    /// The case's place in `allCases`.
    var position: Int {
        switch self {
        case .manifest: 0
        case .blob: 1
        case .blobHead: 2
        case .tags: 3
        case .catalog: 4
        case .base: 5
        case .health: 6
        case .unrouted: 7
        }
    }
}

extension Served.Result {
    /// The case's place in `allCases`.
    var position: Int {
        switch self {
        case .local: 0
        case .hit: 1
        case .miss: 2
        case .stale: 3
        case .coalesced: 4
        case .refused: 5
        case .failed: 6
        }
    }
}
