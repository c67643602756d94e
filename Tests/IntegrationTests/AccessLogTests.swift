import Foundation
import Testing

/// `accessLog: true` with JSON logs: one line per request saying what was asked of which upstream
/// and repository and how the cache answered it: hit, miss, coalesced, failed, refused, local.
@Suite struct AccessLogTests {
    /// The access lines Stowage wrote, as objects, in order.
    private func accessLines(_ stowage: StowageServer) async -> [[String: String]] {
        await stowage.logWithAccessLines().split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], object["message"] == "request" else {
                return nil
            }
            return object
        }
    }

    @Test func everyRequestIsOneJSONLineSayingHowTheCacheAnsweredIt() async throws {
        let faulty = try await FaultyUpstream.start(extra: ["--slow-seconds", "1"])
        let stowage = try await StowageServer.start(upstream: faulty.url, extra: ["--access-log", "--log-format", "json", "--log-level", "info"])
        defer { Task { await stowage.stop() } }
        let good = faulty.image("good/app"), slow = faulty.image("slow/app")
        let upstreamName = faulty.url.replacingOccurrences(of: "http://", with: "")

        #expect(try await HTTP.get("\(stowage.url)/v2/good/app/manifests/1.0", headers: [acceptAll]).status == 200)
        #expect(try await HTTP.get("\(stowage.url)/v2/good/app/manifests/1.0", headers: [acceptAll]).status == 200)
        let layer = try #require(slow.blobs.last)
        async let first = HTTP.get("\(stowage.url)/v2/slow/app/blobs/\(layer.digest)")
        try await Task.sleep(for: .milliseconds(200))
        async let second = HTTP.get("\(stowage.url)/v2/slow/app/blobs/\(layer.digest)")
        #expect(try await [first.status, second.status] == [200, 200])
        #expect(try await HTTP.get("\(stowage.url)/v2/good/app/manifests/9.9", headers: [acceptAll]).status == 404)
        #expect(try await HTTP.get("\(stowage.url)/v2/Bad/app/manifests/1.0").status == 400)
        #expect(try await HTTP.get("\(stowage.url)/readyz").status == 200)

        let lines = await accessLines(stowage)
        let summaries = lines.map { "\($0["kind"] ?? "") \($0["result"] ?? "") \($0["status"] ?? "")" }
        // The two clients of the one download end together, in either order.
        #expect(summaries.count == 7 && Array(summaries[0..<2]) + summaries[2..<4].sorted() + Array(summaries[4...]) == [
            "manifest miss 200", "manifest hit 200", "blob coalesced 200", "blob miss 200", "manifest failed 404", "unrouted refused 400",
            "health local 200",
        ], "\(lines)")
        let miss = try #require(lines.first)
        #expect(miss["level"] == "info")
        #expect(miss["method"] == "GET" && miss["path"] == "/v2/good/app/manifests/1.0")
        #expect(miss["upstream"] == upstreamName && miss["repository"] == "good/app" && miss["reference"] == "1.0")
        #expect(miss["bytes"] == "\(good.size)" && miss["complete"] == "true")
        #expect(miss["client"]?.hasPrefix("127.0.0.1:") == true)
        for line in lines {
            #expect(line["ms"].flatMap(Double.init) != nil && line["ttfbMs"].flatMap(Double.init) != nil, "\(line)")
            #expect(Double(line["ttfbMs"] ?? "") ?? 0 <= Double(line["ms"] ?? "") ?? 0, "\(line)")
        }
        let blobs = lines.filter { $0["kind"] == "blob" }
        #expect(blobs.allSatisfy { $0["reference"] == layer.digest && $0["bytes"] == "\(layer.size)" && $0["repository"] == "slow/app" }, "\(blobs)")
    }
}
