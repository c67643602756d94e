import AsyncHTTPClient
import Testing
@testable import Upstream

@Suite struct TransportFailureTests {
    @Test(arguments: [HTTPClientError.connectTimeout, .readTimeout, .deadlineExceeded, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout])
    func timeoutsAreTimedOut(_ error: HTTPClientError) {
        #expect(TransportFailure.upstreamError(error, upstream: "hub") == .timedOut(upstream: "hub"))
    }

    @Test func aConnectionClosedEarlyIsUnreachable() {
        guard case .unreachable(let upstream, _) = TransportFailure.upstreamError(HTTPClientError.remoteConnectionClosed, upstream: "hub") else {
            Issue.record("expected unreachable")
            return
        }
        #expect(upstream == "hub")
    }

    @Test func cancellationIsReportedAsCancelled() {
        #expect(TransportFailure.upstreamError(CancellationError(), upstream: "hub")
            == .unreachable(upstream: "hub", reason: "the request was cancelled"))
    }

    @Test func anUpstreamErrorPassesThrough() {
        let error = UpstreamError.notFound(upstream: "hub", code: "BLOB_UNKNOWN")
        #expect(TransportFailure.upstreamError(error, upstream: "other") == error)
    }

    @Test func aRefusedConnectionIsNamedPlainly() {
        let text = "NIOConnectionError(host: \"127.0.0.1\", port: 1, connectionErrors: [error: connect(descriptor:addr:size:): Connection refused (errno: 111)])"
        #expect(TransportFailure.reason(text) == "connection refused")
    }

    @Test func aFailedNameLookupIsNamedPlainly() {
        #expect(TransportFailure.reason("NIOConnectionError(host: \"nope.invalid\", dnsAError: Optional(...))") == "the host name could not be resolved")
    }

    @Test func anUnknownFailureKeepsAShortDescription() {
        #expect(TransportFailure.reason(String(repeating: "x", count: 1000)).count == 200)
    }
}
