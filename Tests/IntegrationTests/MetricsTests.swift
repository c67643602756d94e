import Foundation
import Testing

/// The metrics listener: distribution's proxy metrics and Stowage's own, with exact counts after a
/// scripted workload, and the probes beside them.
@Suite struct MetricsTests {
    /// The samples of the Prometheus text format, `name{labels}` → value (comments left out).
    private func samples(_ url: String) async throws -> [String: Double] {
        let scrape = try await HTTP.get(url)
        try #require(scrape.status == 200)
        #expect(scrape.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        var samples: [String: Double] = [:]
        for line in scrape.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func aScriptedWorkloadIsCountedExactly() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let metricsURL = try #require(stowage.metricsURL)
        let image = upstream.images.named("app/oci")
        let layer = try #require(image.blobs.last)

        // 1 cold and 3 warm manifest pulls, one manifest the upstream does not have, 1 cold and 1 warm blob GET, one bad name.
        for _ in 0..<4 { #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll]).status == 200) }
        #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/9.9", headers: [acceptAll]).status == 404)
        for _ in 0..<2 { #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(layer.digest)").status == 200) }
        #expect(try await HTTP.get("\(stowage.url)/v2/Bad/manifests/1.0").status == 400)

        let values = try await samples(metricsURL)
        #expect(values[#"registry_proxy_requests_total{type="manifest"}"#] == 5)
        #expect(values[#"registry_proxy_hits_total{type="manifest"}"#] == 3)
        #expect(values[#"registry_proxy_misses_total{type="manifest"}"#] == 2)
        #expect(values[#"registry_proxy_pulled_bytes_total{type="manifest"}"#] == Double(image.size))
        #expect(values[#"registry_proxy_requests_total{type="blob"}"#] == 2)
        #expect(values[#"registry_proxy_hits_total{type="blob"}"#] == 1)
        #expect(values[#"registry_proxy_misses_total{type="blob"}"#] == 1)
        #expect(values[#"registry_proxy_pulled_bytes_total{type="blob"}"#] == Double(layer.size))
        #expect(values[#"stowage_requests_total{kind="manifest",result="failed"}"#] == 1)
        #expect(values[#"stowage_requests_total{kind="unrouted",result="refused"}"#] == 1)
        #expect(values[#"stowage_response_bytes_total{kind="blob"}"#] == Double(2 * layer.size))
        #expect((values["stowage_time_to_first_byte_seconds_count"] ?? 0) >= 8)
        #expect(values["stowage_store_blobs"] != nil, "the store's gauges are sampled at start")
        #expect(values["stowage_store_pinned_bytes"] == 0, "nothing is pinned")

        let ready = try await HTTP.get(metricsURL.replacingOccurrences(of: "/metrics", with: "/readyz"))
        #expect(ready.status == 200 && ready.text == "ok\n")
    }

    /// A real Prometheus (Debian's) scrapes Stowage through a scripted workload: 3 cold image pulls
    /// (three repositories), 5 warm ones, one manifest the upstream lacks. PromQL then returns
    /// exactly the hits, misses and bytes the workload made.
    @Test func aRealPrometheusSeesExactlyTheWorkloadsHitsMissesAndBytes() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let target = try #require(stowage.metricsURL?.replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "/metrics", with: ""))
        let prometheus = try await PrometheusServer.start(scraping: target)
        defer { Task { await prometheus.stop() } }

        let images = ["app/oci", "app/docker-v2", "charts/mychart"].map { upstream.images.named($0) }
        for image in images { try Skopeo.pull(stowage.host, "\(image.repository):\(image.tag)") }
        for round in 0..<5 { let image = images[round % 3]; try Skopeo.pull(stowage.host, "\(image.repository):\(image.tag)") }
        #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/9.9", headers: [acceptAll]).status == 404)
        try await prometheus.waitForScrape(after: Date())

        // From Stowage's own access lines: what each pull asked, and how it was answered.
        let lines = await stowage.logWithAccessLines().split(separator: "\n").filter { $0.contains("[Server] request") }
        func count(_ kind: String, _ results: [String]) -> Double {
            Double(lines.filter { line in line.contains(" kind=\(kind) ") && results.contains { line.contains(" result=\($0) ") } }.count)
        }
        let manifestHits = count("manifest", ["hit", "stale"]), manifestMisses = count("manifest", ["miss", "coalesced", "failed"])
        let blobHits = count("blob", ["hit", "stale"]) + count("blob-head", ["hit", "stale"])
        #expect(manifestMisses == 4, "three cold manifests and the one the upstream lacks")
        #expect(manifestHits >= 5, "five warm pulls ask for their manifest at least once each")

        #expect(try await prometheus.query(#"sum(registry_proxy_hits_total{type="manifest"})"#) == manifestHits)
        #expect(try await prometheus.query(#"sum(registry_proxy_misses_total{type="manifest"})"#) == manifestMisses)
        #expect(try await prometheus.query(#"sum(registry_proxy_hits_total{type="blob"})"#) == blobHits)
        let coldBytes = images.flatMap(\.blobs).map(\.size).reduce(0, +)
        #expect(try await prometheus.query(#"sum(registry_proxy_pulled_bytes_total{type="blob"})"#) == Double(coldBytes),
                "every blob of the three images, pulled once")
        #expect(try await prometheus.query(#"sum(registry_proxy_pulled_bytes_total{type="manifest"})"#) == Double(images.map(\.size).reduce(0, +)))
        #expect(try await prometheus.query(#"stowage_requests_total{kind="manifest",result="failed"}"#) == 1)
    }
}
