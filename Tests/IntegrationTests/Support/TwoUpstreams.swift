import Foundation

/// Two real registries behind one Stowage, as a mirror for two namespaces: `hub` (namespace
/// docker.io, the default upstream) and `ghcr` (namespace ghcr.io, path prefix `ghcr`). Both hold the standard
/// repositories under the same names with different content (two seeds), and `shared/img:1.0`
/// with the same bytes in both. Started once per test run; each test starts its own Stowage.
struct TwoUpstreams: Sendable {
    let hub: UpstreamRegistry
    let ghcr: UpstreamRegistry

    private static let started = Task {
        async let hub = UpstreamRegistry.start(auth: .none, sized: [("shared/img", 300_000)])
        async let ghcr = UpstreamRegistry.start(auth: .none, sized: [("shared/img", 300_000)], seed: 7)
        return TwoUpstreams(hub: try await hub, ghcr: try await ghcr)
    }

    static func shared() async throws -> TwoUpstreams { try await started.value }

    /// The config that makes Stowage the mirror for both.
    var config: String {
        """
        upstreams:
          - name: hub
            url: \(hub.url)
            namespaces: [docker.io]
            default: true
          - name: ghcr
            url: \(ghcr.url)
            namespaces: [ghcr.io]
            pathPrefix: ghcr
        """
    }

    func stowage(extra: [String] = []) async throws -> StowageServer {
        try await StowageServer.start(config: config, extra: extra)
    }
}

extension UpstreamRegistry {
    /// Access-log entries after the first `count`, once every `awaiting` ("METHOD path", or a path
    /// prefixed with "GET " that also matches a HEAD) is among them or 5 s have passed: distribution
    /// logs a request just after answering it.
    func requests(since count: Int, awaiting: [String] = []) async throws -> [AccessLogEntry] {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let entries = Array(try accessLog().dropFirst(count))
            let seen = Set(entries.flatMap { ["\($0.method) \($0.path)", "GET \($0.path)"] })
            if awaiting.allSatisfy(seen.contains) || ContinuousClock.now >= deadline { return entries }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension Array where Element == AccessLogEntry {
    var lines: String { map { "\($0.method) \($0.path) \($0.status)" }.joined(separator: "\n") }
}
