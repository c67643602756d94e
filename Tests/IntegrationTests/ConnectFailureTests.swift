import Foundation
import Testing

/// An upstream that cannot be connected to is told apart at once: a refused port and a host name
/// that does not resolve fail in milliseconds with their own messages, not after the connect
/// timeout as "did not answer in time".
@Suite struct ConnectFailureTests {
    @Test(arguments: [
        (ConnectFailureTests.refusedURL(), "connection refused"),
        ("http://stowage-test.invalid:5000", "the host name could not be resolved"),
    ])
    func aMissFromAnUpstreamThatCannotBeReachedIsAnsweredAtOnceSayingWhy(_ upstream: String, _ reason: String) async throws {
        let stowage = try await StowageServer.start(upstream: upstream, extra: ["--connect-timeout", "5s"])
        defer { Task { await stowage.stop() } }

        let started = ContinuousClock.now
        let answer = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0")
        let elapsed = ContinuousClock.now - started

        // Measured at 0.01-0.15 s; the bound is the issue's, far below the 5 s connect timeout a
        // retried connection would wait.
        print("\(reason): answered in \(elapsed)")
        #expect(elapsed < .milliseconds(500), "answered after \(elapsed)")
        #expect(answer.status == 503 || answer.status == 502, "\(answer.status)")
        #expect(answer.text.contains(reason), "\(answer.text)")
        #expect(!answer.text.contains("did not answer in time"), "\(answer.text)")
        if answer.status == 503 {
            #expect(answer.header("Retry-After") == "10", "the first 503 says when to retry: the breaker's back-off")
        }
    }

    /// TLS failures are one readable line: an upstream whose certificate nobody trusts, and an
    /// `https://` URL for a port that speaks plain HTTP. No type names, no source paths.
    @Test func aTLSFailureIsOneReadableLine() async throws {
        let untrusted = try await FaultyUpstream.start(selfSignedTLS: true)
        let plain = try await FaultyUpstream.start()
        let cases = [
            (untrusted.url, "upstream 127.0.0.1:\(untrusted.info.port) is unreachable: "
                + "the upstream's certificate is not trusted (self-signed, issued by an unknown CA, or expired)"),
            (plain.url.replacingOccurrences(of: "http://", with: "https://"),
             "upstream 127.0.0.1:\(plain.info.port) is unreachable: the upstream does not speak TLS on this port (is its URL http://?)"),
        ]
        for (upstream, message) in cases {
            let stowage = try await StowageServer.start(upstream: upstream)
            defer { Task { await stowage.stop() } }
            let answer = try await HTTP.get("\(stowage.url)/v2/good/app/manifests/1.0")
            #expect(answer.status == 503, "\(answer.text)")
            #expect(answer.text.contains(#""message":"\#(message)""#), "\(answer.text)")
            #expect(!answer.text.contains("NIOSSL") && !answer.text.contains(".cc:"), "\(answer.text)")
        }
    }

    /// An upstream behind a private CA: with its certificate as `--upstream-ca-file`, the same
    /// self-signed upstream the test above cannot trust serves the pull.
    @Test func anUpstreamsOwnCAFileIsTrustedBesideTheSystems() async throws {
        let untrusted = try await FaultyUpstream.start(selfSignedTLS: true)
        let certificate = try #require(untrusted.certificatePath)
        let stowage = try await StowageServer.start(upstream: untrusted.url, extra: ["--upstream-ca-file", certificate])
        defer { Task { await stowage.stop() } }

        let answer = try await HTTP.get("\(stowage.url)/v2/good/app/manifests/1.0", headers: [acceptAll])

        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("Docker-Content-Digest") == untrusted.image("good/app").digest)
    }

    /// A loopback URL whose port was just freed, so connecting to it is refused.
    static func refusedURL() -> String {
        "http://127.0.0.1:\((try? freePort()) ?? 1)"
    }
}
