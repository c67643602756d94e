import Foundation
@testable import Server
import Testing

@Suite struct RequestMetricsTests {
    func lines(_ metrics: RequestMetrics) -> Set<String> {
        Set(String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init))
    }

    @Test func positionsFollowTheOrderOfAllCases() {
        #expect(Served.Kind.allCases.map(\.position) == Array(Served.Kind.allCases.indices))
        #expect(Served.Result.allCases.map(\.position) == Array(Served.Result.allCases.indices))
    }

    @Test func aBlobHitAManifestMissAndARefusalAreCountedAsDistributionAndStowageName() {
        let metrics = RequestMetrics()
        metrics.record(Served(kind: .blob, result: .hit), bytes: 100, firstByte: .milliseconds(2))
        metrics.record(Served(kind: .manifest, result: .miss), bytes: 40, firstByte: .milliseconds(30))
        metrics.record(nil, bytes: 0, firstByte: .seconds(20))
        let exposed = lines(metrics)
        for line in [
            #"registry_proxy_requests_total{type="blob"} 1"#, #"registry_proxy_hits_total{type="blob"} 1"#,
            #"registry_proxy_misses_total{type="blob"} 0"#, #"registry_proxy_pulled_bytes_total{type="blob"} 0"#,
            #"registry_proxy_requests_total{type="manifest"} 1"#, #"registry_proxy_misses_total{type="manifest"} 1"#,
            #"registry_proxy_pulled_bytes_total{type="manifest"} 40"#,
            #"stowage_requests_total{kind="blob",result="hit"} 1"#, #"stowage_requests_total{kind="unrouted",result="refused"} 1"#,
            #"stowage_requests_total{kind="tags",result="stale"} 0"#,
            #"stowage_response_bytes_total{kind="blob"} 100"#, #"stowage_response_bytes_total{kind="manifest"} 40"#,
            #"stowage_time_to_first_byte_seconds_bucket{le="0.005"} 1"#, #"stowage_time_to_first_byte_seconds_bucket{le="0.025"} 1"#,
            #"stowage_time_to_first_byte_seconds_bucket{le="0.05"} 2"#, #"stowage_time_to_first_byte_seconds_bucket{le="10.0"} 2"#,
            #"stowage_time_to_first_byte_seconds_bucket{le="+Inf"} 3"#, "stowage_time_to_first_byte_seconds_sum 20.032",
            "stowage_time_to_first_byte_seconds_count 3", "# TYPE stowage_time_to_first_byte_seconds histogram",
            "# TYPE registry_proxy_requests_total counter",
        ] {
            #expect(exposed.contains(line), "\(line)")
        }
    }

    @Test func countsFromManyThreadsAreSummed() async {
        let metrics = RequestMetrics()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 { metrics.record(Served(kind: .manifest, result: .hit), bytes: 1, firstByte: .zero) }
                }
            }
        }
        #expect(metrics.total().requests[Served.Kind.manifest.position * Served.Result.allCases.count + Served.Result.hit.position] == 8000)
        #expect(lines(metrics).contains(#"stowage_response_bytes_total{kind="manifest"} 8000"#))
    }
}
