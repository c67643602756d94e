import Testing
@testable import Upstream

@Suite struct UpstreamErrorStatusTests {
    private func error(_ status: Int, body: String = "", retryAfter: String? = nil) -> UpstreamError {
        .status(status, retryAfter: retryAfter, body: Array(body.utf8), upstream: "hub", unauthorizedDetail: "refused")
    }

    @Test(arguments: ["MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN"])
    func aNotFoundKeepsTheUpstreamsErrorCode(_ code: String) {
        #expect(error(404, body: #"{"errors":[{"code":"\#(code)","message":"unknown","detail":{}}]}"#) == .notFound(upstream: "hub", code: code))
    }

    @Test func aNotFoundWithoutABodyHasNoCode() {
        #expect(error(404) == .notFound(upstream: "hub", code: nil))
    }

    @Test func aNotFoundWithAnHTMLBodyHasNoCode() {
        #expect(error(404, body: "<h1>Not Found</h1>") == .notFound(upstream: "hub", code: nil))
    }

    @Test func tooManyRequestsKeepsRetryAfterVerbatim() {
        #expect(error(429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT") == .tooManyRequests(upstream: "hub", retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"))
    }

    @Test func forbiddenIsDeniedWithTheUpstreamsMessage() {
        #expect(error(403, body: #"{"errors":[{"code":"DENIED","message":"license expired"}]}"#) == .denied(upstream: "hub", detail: "license expired"))
    }

    @Test func forbiddenWithoutAMessageIsStillDenied() {
        #expect(error(403) == .denied(upstream: "hub", detail: "access denied"))
    }

    @Test func aFinalUnauthorizedIsUnauthorized() {
        #expect(error(401) == .unauthorized(upstream: "hub", detail: "refused"))
    }

    @Test(arguments: [500, 502, 503, 400, 405, 416])
    func anythingElseIsABadResponseWithItsStatus(_ status: Int) {
        guard case .badResponse(let upstream, let reported, _) = error(status) else {
            Issue.record("expected badResponse")
            return
        }
        #expect(upstream == "hub")
        #expect(reported == status)
    }

    @Test func aLongUpstreamMessageIsShortened() {
        let long = String(repeating: "m", count: 5000)
        guard case .badResponse(_, _, let detail) = error(500, body: #"{"errors":[{"code":"UNKNOWN","message":"\#(long)"}]}"#) else {
            Issue.record("expected badResponse")
            return
        }
        #expect(detail.count == 200)
    }
}
