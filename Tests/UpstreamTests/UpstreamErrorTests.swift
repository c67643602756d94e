import Testing
@testable import Upstream

@Suite struct UpstreamErrorTests {
    static let all: [UpstreamError] = [
        .unauthorized(upstream: "vendor-proxy", detail: "the configured credentials were refused"),
        .denied(upstream: "vendor-proxy", detail: "license expired"),
        .notFound(upstream: "vendor-proxy", code: "MANIFEST_UNKNOWN"),
        .tooManyRequests(upstream: "vendor-proxy", retryAfter: "17"),
        .unreachable(upstream: "vendor-proxy", reason: "connection refused"),
        .timedOut(upstream: "vendor-proxy"),
        .badResponse(upstream: "vendor-proxy", status: 502, detail: "bad gateway"),
    ]

    @Test(arguments: all)
    func everyMessageNamesTheUpstream(_ error: UpstreamError) {
        #expect(error.description.contains("upstream vendor-proxy"))
        #expect(error.upstream == "vendor-proxy")
    }

    @Test(arguments: all)
    func everyMessageSaysWhatHappened(_ error: UpstreamError) {
        let detail = ["credentials were refused", "license expired", "MANIFEST_UNKNOWN", "retry after 17", "connection refused", "in time", "502: bad gateway"]
        #expect(detail.contains { error.description.contains($0) })
    }

    @Test func aRateLimitWithoutRetryAfterSaysSoPlainly() {
        #expect(UpstreamError.tooManyRequests(upstream: "hub", retryAfter: nil).description == "upstream hub is rate limiting requests")
    }
}
