import Foundation
import Testing

/// `stowage check`: each way an image can fail to pull, with its class and exit status.
@Suite struct CheckCommandTests {
    private struct Report: Decodable {
        struct Image: Decodable {
            struct Failure: Decodable {
                let `class`: String
                let part: String
                let message: String
                let retryAfter: String?
            }
            let image: String
            let ok: Bool
            let manifests: Int
            let blobs: Int
            let failure: Failure?
        }
        let images: [Image]
        let exitStatus: Int32
    }

    private func check(_ images: [String], upstream: String, password: String = UpstreamRegistry.password) throws -> (status: Int32, report: Report) {
        let (flags, environment) = StowageCLI.upstream(upstream, password: password)
        let storage = Paths.temporaryDirectory("check")
        let result = try StowageCLI.run(["check", "--json", "--connect-timeout", "2s"] + images + flags, storage: storage, environment: environment)
        // The report is the one JSON line; log lines (stderr, merged here) are not.
        let json = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("{") }, "\(result.output)")
        let report = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
        #expect(report.exitStatus == result.status)
        #expect(try StowageCLI.run(["ls"], storage: storage).output.isEmpty, "check stores nothing")
        return (result.status, report)
    }

    @Test func aBadReferenceIsReportedAsInvalidAndTheOthersAreStillChecked() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let (status, report) = try check(["\(host)/App/Oci:1.0", "\(host)/app/oci:1.0"], upstream: upstream.url)
        #expect(status == 1)
        #expect(report.images.map(\.ok) == [false, true])
        #expect(report.images.first?.failure?.class == "invalid-reference")
    }

    @Test func aGoodImageAndAnIndexPassWithEveryBlobChecked() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let (status, report) = try check(["\(host)/app/oci:1.0", "\(host)/app/multi:1.0"], upstream: upstream.url)
        #expect(status == 0)
        #expect(report.images.map(\.ok) == [true, true])
        #expect(report.images.map(\.manifests) == [1, 4])
        #expect(report.images[0].blobs == upstream.images.named("app/oci").blobs.count)
    }

    @Test func aMissingTagIsNotFoundNamingTheTagWithStatusOne() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let (status, report) = try check(["\(host)/app/oci:1.0", "\(host)/app/oci:9.9"], upstream: upstream.url)
        #expect(status == 1)
        let failure = try #require(report.images[1].failure)
        #expect(failure.class == "not-found")
        #expect(failure.part == "tag 9.9 of app/oci")
        #expect(report.images[0].ok)
    }

    @Test func wrongCredentialsAreRejectedCredentialsWithStatusThree() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let (status, report) = try check(["\(host)/app/oci:1.0"], upstream: upstream.url, password: "lic_wrong")
        #expect(status == 3)
        #expect(report.images[0].failure?.class == "credentials-rejected")
        #expect(report.images[0].failure?.part == "tag 1.0 of app/oci")
    }

    @Test func aMissingBlobIsNotFoundNamingTheBlob() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let image = faulty.image("missing/app")
        let layer = try #require(image.blobs.last?.digest)
        let (status, report) = try check(["127.0.0.1:\(faulty.info.port)/missing/app:1.0"], upstream: faulty.url)
        #expect(status == 1)
        #expect(report.images[0].failure?.class == "not-found")
        #expect(report.images[0].failure?.part == "blob \(layer)")
    }

    @Test func aRateLimitIsReportedWithRetryAfterAndStatusFour() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let (status, report) = try check(["127.0.0.1:\(faulty.info.port)/ratelimited/app:1.0"], upstream: faulty.url)
        #expect(status == 4)
        #expect(report.images[0].failure?.class == "rate-limited")
        #expect(report.images[0].failure?.retryAfter == "17")
    }

    @Test func anUnreachableUpstreamIsUnreachableWithStatusFour() async throws {
        let (status, report) = try check(["127.0.0.1:1/app/oci:1.0"], upstream: "http://127.0.0.1:1")
        #expect(status == 4)
        #expect(report.images[0].failure?.class == "unreachable")
        #expect(report.images[0].failure?.message.hasPrefix("upstream 127.0.0.1:1 ") == true)
    }

    @Test func theTextReportHasALinePerImageWithItsClass() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let (flags, environment) = StowageCLI.upstream(faulty.url)
        let host = "127.0.0.1:\(faulty.info.port)"
        let result = try StowageCLI.run(["check", "\(host)/good/app:1.0", "\(host)/ratelimited/app:1.0"] + flags,
                                        storage: Paths.temporaryDirectory("check-text"), environment: environment)
        #expect(result.status == 4)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.output)")
        #expect(lines[0].hasPrefix("ok      \(host)/good/app:1.0  sha256:") && lines[0].hasSuffix("1 manifests, 2 blobs"), "\(lines[0])")
        #expect(lines[1] == "FAILED  \(host)/ratelimited/app:1.0  rate-limited: tag 1.0 of ratelimited/app: upstream \(host) is rate limiting requests; retry after 17 (Retry-After: 17)")
        #expect(lines[2] == "1 of 2 images cannot be pulled")
    }
}
