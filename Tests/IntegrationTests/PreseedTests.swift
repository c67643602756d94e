import Foundation
import Testing

/// `stowage preseed`: images from a list, from rendered YAML, only the asked platforms of an
/// index, re-runs, and beside a running `serve`.
@Suite struct PreseedTests {
    @Test func aPreseededListIsPulledWithSkopeoAfterTheUpstreamStops() async throws {
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd)
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let storage = Paths.temporaryDirectory("preseed")
        let list = storage + ".images.txt"
        try """
            # a single-arch image, a 3-platform index and a Helm-chart-like artifact
            \(host)/app/oci:1.0
            \(host)/app/multi:1.0   # only linux/arm64 is wanted

            \(host)/charts/mychart:0.1.0
            """.write(toFile: list, atomically: true, encoding: .utf8)
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        let result = try StowageCLI.run(["preseed", "--file", list, "--platform", "linux/arm64"] + flags, storage: storage, environment: environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("ok      \(host)/app/multi:1.0"), "\(result.output)")
        #expect(result.output.contains("3 images, 8 blobs, "), "\(result.output)")

        let oci = upstream.images.named("app/oci")
        let multi = upstream.images.named("app/multi")
        let chart = upstream.images.named("charts/mychart")
        #expect(multi.children?.count == 3)
        let arm64 = try #require(multi.children?.first { $0.platform == "linux/arm64" })
        let others = (multi.children ?? []).filter { $0.platform != "linux/arm64" }
        let fetchedBlobs = Set(try upstream.blobGETs().map { String($0.path.split(separator: "/").last!) })
        let wanted = Set((oci.blobs + arm64.blobs + chart.blobs).map(\.digest))
        #expect(fetchedBlobs == wanted, "exactly the blobs of the image, the arm64 child and the chart")
        let manifestGETs = try upstream.accessLog().filter { $0.method == "GET" && $0.path.contains("/manifests/") }.map(\.path)
        for child in others {
            #expect(!manifestGETs.contains { $0.hasSuffix(child.digest) }, "\(child.platform ?? "") was not fetched")
            #expect(fetchedBlobs.isDisjoint(with: child.blobs.map(\.digest)), "\(child.platform ?? "") blobs were not fetched")
        }
        #expect(manifestGETs.contains { $0.hasSuffix(arm64.digest) })

        await upstream.stop()
        // Tags revalidate on every pull, so each pull meets the stopped upstream.
        let stowage = try await StowageServer.start(upstream: upstream.url, storage: storage, extra: ["--tag-ttl", "0s"])
        defer { Task { await stowage.stop() } }
        let ociDir = try Skopeo.pull(stowage.host, "app/oci:1.0")
        #expect(try Skopeo.verify(ociDir, expecting: oci.blobs.map(\.digest)) == [])
        let chartDir = try Skopeo.pull(stowage.host, "charts/mychart:0.1.0")
        #expect(try Skopeo.verify(chartDir, expecting: chart.blobs.map(\.digest)) == [])
        let armDir = Paths.temporaryDirectory("skopeo-arm64")
        try run("/usr/bin/skopeo", ["--override-arch", "arm64", "copy", "--src-tls-verify=false", "--retry-times", "0", "--src-no-creds",
                                    "docker://\(stowage.host)/app/multi:1.0", "dir:\(armDir)"])
        #expect(try Skopeo.verify(armDir, expecting: arm64.blobs.map(\.digest)) == [])
        let stale = stowage.log().split(separator: "\n").filter { $0.contains("serving cached tag") }
        #expect(!stale.isEmpty, "the stopped upstream could not revalidate the tags")
        #expect(stale.first?.contains(#"error="upstream \#(host) is unreachable: connection refused" tag="#) == true,
                "a value with spaces is quoted whole: \(stale)")
        #expect(stale.allSatisfy { $0.contains(#"error="upstream \#(host) "#) && $0.contains(#"" tag="#) }, "\(stale)")
    }

    /// A directory as `helm template --output-dir` leaves it: a Deployment, a StatefulSet, a
    /// CronJob and a Pod with an init container.
    private func renderedManifests(_ host: String) throws -> String {
        let root = Paths.temporaryDirectory("rendered")
        let files = [
            "chart/templates/deployment.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  template:
                    spec:
                      containers: [{name: web, image: "\(host)/app/oci:1.0"}]
                """,
            "chart/templates/statefulset.yaml": """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db}
                spec:
                  template:
                    spec:
                      containers: [{name: db, image: "\(host)/app/docker-v2:1.0"}]
                """,
            "chart/templates/cronjob.yaml": """
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: nightly}
                spec:
                  schedule: "0 3 * * *"
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers: [{name: job, image: "\(host)/app/multi:1.0"}]
                """,
            "chart/templates/pod.yaml": """
                apiVersion: v1
                kind: Pod
                metadata: {name: debug}
                spec:
                  initContainers: [{name: init, image: "\(host)/charts/mychart:0.1.0"}]
                  containers: [{name: main, image: "\(host)/app/oci:1.0"}]
                """,
        ]
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    private struct Event: Decodable {
        let event: String
        let image: String?
        let fetchedBlobs: Int?
        let blobs: Int?
        let alreadyCached: Bool?
        let failed: Int?
    }

    private func events(_ output: String) throws -> [Event] {
        try output.split(separator: "\n").filter { $0.hasPrefix("{") }.map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
    }

    @Test func imagesOfRenderedManifestsArePreseededAndARerunFetchesNothing() async throws {
        // An upstream of its own: its access log counts this test's requests only.
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd)
        defer { Task { await upstream.stop() } }
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let storage = Paths.temporaryDirectory("preseed-yaml")
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        let arguments = ["preseed", "--manifests", try renderedManifests(host), "--json"] + flags

        let first = try StowageCLI.run(arguments, storage: storage, environment: environment)
        #expect(first.status == 0, "\(first.output)")
        let finished = try events(first.output).filter { $0.event == "finished" }
        #expect(Set(finished.compactMap(\.image)) == Set(["app/oci:1.0", "app/docker-v2:1.0", "app/multi:1.0", "charts/mychart:0.1.0"].map { "\(host)/\($0)" }))
        for event in finished {
            #expect(event.fetchedBlobs == event.blobs && event.alreadyCached == false, "\(event.image ?? "")")
        }
        let multi = try #require(finished.first { $0.image?.hasSuffix("app/multi:1.0") ?? false })
        #expect(multi.blobs == upstream.images.named("app/multi").children.map { Set($0.flatMap(\.blobs).map(\.digest)).count })

        let blobGETs = try upstream.blobGETs().count
        let again = try StowageCLI.run(arguments, storage: storage, environment: environment)
        #expect(again.status == 0, "\(again.output)")
        let rerun = try events(again.output).filter { $0.event == "finished" }
        #expect(rerun.count == 4 && rerun.allSatisfy { $0.alreadyCached == true && $0.fetchedBlobs == 0 })
        #expect(try upstream.blobGETs().count == blobGETs, "a re-run downloads no blob")
    }

    @Test func preseedFillsTheStoreOfARunningServe() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        let result = try StowageCLI.run(["preseed", "\(host)/app/docker-v2:1.0", "--pin"] + flags, storage: stowage.storage, environment: environment)
        #expect(result.status == 0, "\(result.output)")

        let image = upstream.images.named("app/docker-v2")
        let dir = try Skopeo.pull(stowage.host, "app/docker-v2:1.0")
        #expect(try Skopeo.verify(dir, expecting: image.blobs.map(\.digest)) == [])
        #expect(!stowage.log().contains("fetching blob"), "serve found every blob preseed stored")
        let listed = try StowageCLI.run(["ls", "app/docker-v2"], storage: stowage.storage).output
        #expect(listed.hasPrefix("\(host)/app/docker-v2:1.0  \(image.digest)  checked ") && listed.contains(", pinned"), "\(listed)")
    }

    @Test func aFailedImageIsReportedAndTheExitStatusIsOne() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        let result = try StowageCLI.run(["preseed", "\(host)/app/oci:1.0", "\(host)/app/oci:9.9"] + flags,
                                        storage: Paths.temporaryDirectory("preseed-fail"), environment: environment)
        #expect(result.status == 1)
        #expect(result.output.contains("ok      \(host)/app/oci:1.0"), "\(result.output)")
        #expect(result.output.contains("FAILED  \(host)/app/oci:9.9  not found at upstream"), "\(result.output)")
        #expect(result.output.contains("2 images (1 failed), 3 blobs, "), "\(result.output)")
    }

    @Test func aBadReferenceInAListFailsAloneAndTheRestAreCached() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let storage = Paths.temporaryDirectory("preseed-bad-line")
        let list = storage + ".images.txt"
        try "\(host)/App/Oci:1.0\n\(host)/app/oci:1.0\n".write(toFile: list, atomically: true, encoding: .utf8)
        let (flags, environment) = StowageCLI.upstream(upstream.url)

        let result = try StowageCLI.run(["preseed", "--file", list] + flags, storage: storage, environment: environment)

        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("FAILED  \(host)/App/Oci:1.0"), "\(result.output)")
        #expect(result.output.contains("ok      \(host)/app/oci:1.0"), "\(result.output)")
    }
}
