// Every input is the exact String(reflecting: error) that `stowage check` passed to
// TransportFailure.reason against a local openssl s_server or python server, except where marked.
import Testing
@testable import Upstream

@Suite struct TransportFailureTLSTests {
    /// Self-signed (openssl req -x509), issued by a CA not in the trust store, and expired (with
    /// its CA trusted) all give this same text: BoringSSL does not say which check failed.
    static let verifyFailed = "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:320]))"

    @Test func aSelfSignedCertificateIsNamedPlainly() {
        #expect(TransportFailure.reason(Self.verifyFailed)
            == "the upstream's certificate is not trusted (self-signed, issued by an unknown CA, or expired)")
    }

    @Test func aCertificateForAnotherNameNamesTheHost() {
        let text = "NIOSSLExtraError.failedToValidateHostname: Couldn't find localhost in certificate from peer"
        #expect(TransportFailure.reason(text) == "the upstream's certificate does not name localhost")
    }

    @Test func aCertificateCheckedAgainstAnIPAddressIsNotValidForTheHostName() {
        // https://127.0.0.1:port: NIOSSL has no expected host name (no SNI for an IP) and says <none>.
        let text = "NIOSSLExtraError.failedToValidateHostname: Couldn't find <none> in certificate from peer"
        #expect(TransportFailure.reason(text) == "the upstream's certificate is not valid for this host name")
    }

    @Test func aPlainHTTPPortIsNamedPlainly() {
        let text = "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:127]))"
        #expect(TransportFailure.reason(text) == "the upstream does not speak TLS on this port (is its URL http://?)")
    }

    @Test func aConnectionClosedDuringTheHandshakeIsNamedPlainly() {
        // A port that accepts TCP and closes (after reading the ClientHello, or at once; at once
        // sometimes gives "connection reset" instead).
        let text = "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error:  EOF during handshake]))"
        #expect(TransportFailure.reason(text) == "the upstream closed the connection during the TLS handshake")
    }

    @Test func aRequiredClientCertificateIsNamedPlainly() {
        // TLS 1.3 (openssl s_server -Verify 1): the alert arrives after the handshake, unwrapped.
        let text = "NIOSSL.BoringSSLError.sslError([Error: 268436572 error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:491])"
        #expect(TransportFailure.reason(text) == "the upstream requires a TLS client certificate")
    }

    @Test func anyOtherHandshakeFailureKeepsItsFirstOpenSSLReason() {
        // No shared cipher (s_server -tls1_2 -cipher DHE-RSA-AES128-SHA256); a TLS 1.2 server
        // requiring a client certificate gives the same first reason without the second error.
        let text = "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436496 error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:491, Error: 268435610 error:1000009a:SSL routines:OPENSSL_internal:HANDSHAKE_FAILURE_ON_CLIENT_HELLO at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:591]))"
        #expect(TransportFailure.reason(text) == "the TLS handshake failed: sslv3 alert handshake failure")
    }

    @Test func anNIOSSLErrorWithoutAnOpenSSLReasonNamesItsCase() {
        // Not captured (synthetic): the shape String(reflecting:) gives a case without payload.
        #expect(TransportFailure.reason("NIOSSL.NIOSSLError.uncleanShutdown") == "the TLS connection failed (uncleanShutdown)")
    }

    @Test func aRefusedConnectionIsNotTLS() {
        let text = "NIOConnectionError(host: \"127.0.0.1\", port: 1, connectionErrors: [error: connect(descriptor:addr:size:): Connection refused (errno: 111)])"
        #expect(TransportFailure.tlsReason(text) == nil)
        #expect(TransportFailure.reason(text) == "connection refused")
    }

    @Test func unrelatedTextIsNotTLS() {
        #expect(TransportFailure.tlsReason(String(repeating: "x", count: 1000)) == nil)
        #expect(TransportFailure.tlsReason("NIOConnectionError(host: \"nope.invalid\", dnsAError: Optional(...))") == nil)
    }

    /// CheckFailure classes a reason as tls-error by "ssl", "tls", "certificate" or "handshake".
    @Test(arguments: [
        verifyFailed,
        "NIOSSLExtraError.failedToValidateHostname: Couldn't find localhost in certificate from peer",
        "NIOSSLExtraError.failedToValidateHostname: Couldn't find <none> in certificate from peer",
        "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:127]))",
        "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error:  EOF during handshake]))",
        "NIOSSL.BoringSSLError.sslError([Error: 268436572 error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:491])",
        "NIOSSL.NIOSSLError.handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436496 error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE at /work/main/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/tls_record.cc:491]))",
    ])
    func everyTLSLineIsShortAndStillReadsAsTLS(_ text: String) throws {
        let line = try #require(TransportFailure.tlsReason(text))
        #expect(line.count <= 100)
        #expect(!line.contains("NIOSSL") && !line.contains(".cc:"), "no type names or source paths")
        #expect(["ssl", "tls", "certificate", "handshake"].contains { line.lowercased().contains($0) })
    }
}
