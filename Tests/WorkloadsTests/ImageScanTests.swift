import Foundation
import OCI
import Testing
import Workloads

@Suite struct ImageScanTests {
    private func images(_ yaml: String) -> [String] {
        let scan = ImageScan.scan(yaml, source: "test.yaml")
        #expect(scan.problems == [], "\(scan.problems)")
        return scan.images.map(\.raw)
    }

    @Test func findsADeploymentsContainersAndInitContainers() {
        let yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {image: not-this}}
            spec:
              replicas: 2
              template:
                metadata: {labels: {app: web}}
                spec:
                  initContainers:
                    - name: migrate
                      image: ghcr.io/org/migrate:1.0
                  containers:
                    - name: web
                      image: nginx:1.27
                      env: [{name: IMAGE, value: "busybox"}]
                    - name: sidecar
                      image: "docker.io/envoyproxy/envoy:v1.30"
            """
        #expect(images(yaml) == ["ghcr.io/org/migrate:1.0", "nginx:1.27", "docker.io/envoyproxy/envoy:v1.30"])
    }

    @Test func findsAStatefulSetsContainers() {
        let yaml = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              template:
                spec:
                  containers:
                    - {name: postgres, image: postgres:16}
              volumeClaimTemplates:
                - metadata: {name: data}
            """
        #expect(images(yaml) == ["postgres:16"])
    }

    @Test func findsACronJobsJobTemplate() {
        let yaml = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: backup}
            spec:
              schedule: "0 3 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers:
                        - name: backup
                          image: registry.example.com:5000/ops/backup@sha256:\(String(repeating: "0", count: 64))
            """
        let scan = ImageScan.scan(yaml, source: "cron.yaml")
        #expect(scan.images.map(\.reference.description) == ["registry.example.com:5000/ops/backup@sha256:\(String(repeating: "0", count: 64))"])
        #expect(scan.images.first?.source == "cron.yaml")
        #expect(scan.images.first?.line == 13)
    }

    @Test func findsAPodsInitAndEphemeralContainersInDocumentOrder() {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: debug-me}
            spec:
              initContainers:
                - {name: init, image: "busybox:1.36"}
              containers:
                - {name: app, image: alpine}
              ephemeralContainers:
                - {name: debugger, image: nicolaka/netshoot, targetContainerName: app}
            """
        #expect(images(yaml) == ["busybox:1.36", "alpine", "nicolaka/netshoot"])
    }

    @Test func findsImagesInsideAList() {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: apps/v1
                kind: DaemonSet
                spec: {template: {spec: {containers: [{name: agent, image: "quay.io/prometheus/node-exporter:v1.8.0"}]}}}
              - apiVersion: batch/v1
                kind: Job
                spec: {template: {spec: {containers: [{name: once, image: "perl:5.34"}]}}}
            """
        #expect(images(yaml) == ["quay.io/prometheus/node-exporter:v1.8.0", "perl:5.34"])
    }

    @Test func readsHelmOutputWithSourceCommentsAndEmptyDocuments() {
        let yaml = """
            ---
            # Source: app/templates/serviceaccount.yaml
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: app}
            ---
            # Source: app/templates/empty.yaml
            ---
            ---
            # Source: app/templates/deployment.yaml
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app}
            spec:
              template:
                spec:
                  containers:
                    - name: app
                      image: "proxy.replicated.com/proxy/my-app/docker.io/library/nginx:1.27"
            ---
            # Source: app/templates/tests/test-connection.yaml
            apiVersion: v1
            kind: Pod
            metadata:
              name: "app-test-connection"
              annotations: {"helm.sh/hook": test}
            spec:
              containers:
                - name: wget
                  image: busybox
              restartPolicy: Never

            """
        #expect(images(yaml) == ["proxy.replicated.com/proxy/my-app/docker.io/library/nginx:1.27", "busybox"])
    }

    @Test func findsPodTemplatesEmbeddedInCustomResources() {
        let yaml = """
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata: {name: canary}
            spec:
              strategy: {canary: {steps: [{setWeight: 20}]}}
              template:
                spec:
                  containers:
                    - name: app
                      image: ghcr.io/org/app:2.0
            ---
            apiVersion: example.com/v1
            kind: Runner
            spec:
              workers:
                - pod:
                    spec:
                      containers: [{name: w, image: "ghcr.io/org/worker:3"}]
            """
        #expect(images(yaml) == ["ghcr.io/org/app:2.0", "ghcr.io/org/worker:3"])
    }

    @Test func ignoresImageKeysOutsideAContainerList() {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data:
              values.yaml: |
                containers:
                  - image: foo
                image: foo
              image: foo
            ---
            apiVersion: example.com/v1
            kind: Thing
            spec:
              image: bar
              containers: "not a list"
              initContainers:
                - sidecars: [{image: baz}]
            """
        #expect(images(yaml) == [])
    }

    @Test func reportsAnInvalidImageWithItsFileLineAndValueAndKeepsTheRest() throws {
        let yaml = """
            kind: Pod
            spec:
              containers:
                - {name: a, image: "UPPER/case:1"}
                - {name: b, image: alpine}
                - {name: c, image: ""}
                - name: d
                  image:
                - {name: e, image: {repository: nginx}}
            """
        let scan = ImageScan.scan(yaml, source: "pod.yaml")
        #expect(scan.images.map(\.raw) == ["alpine"])
        try #require(scan.problems.map(\.kind) == [.invalidReference, .invalidReference, .invalidReference, .invalidReference])
        let first = scan.problems[0]
        #expect(first.value == "UPPER/case:1")
        #expect(first.line == 4)
        #expect(first.description.hasPrefix(#"pod.yaml:4: image "UPPER/case:1" is not a valid reference: invalid repository name"#))
        #expect(scan.problems[1].description.hasPrefix(#"pod.yaml:6: image "" is not a valid reference"#))
        #expect(scan.problems[2].description == "pod.yaml:8: a container's image is empty")
        #expect(scan.problems[3].description == "pod.yaml:9: a container's image is not a string")
    }

    @Test func aMalformedDocumentIsAProblemNamingTheLineAndEarlierDocumentsAreKept() {
        let yaml = """
            kind: Pod
            spec: {containers: [{name: a, image: alpine}]}
            ---
            kind: Pod
            spec:
              containers:
                - name: b
                  image: nginx
                 bad-indent: true
            """
        let scan = ImageScan.scan(yaml, source: "broken.yaml")
        #expect(scan.images.map(\.raw) == ["alpine"])
        #expect(scan.problems.count == 1)
        let problem = scan.problems.first
        #expect(problem?.kind == .malformedYAML)
        #expect(problem?.line == 9)
        #expect(problem?.description.hasPrefix("broken.yaml:9: malformed YAML: ") == true, "\(String(describing: problem))")
    }

    @Test func followsAliasesToContainerLists() {
        let yaml = """
            shared: &workers
              - {name: worker, image: "redis:7"}
            kind: Pod
            spec:
              containers: *workers
            """
        #expect(images(yaml) == ["redis:7"])
    }

    @Test func aliasesThatExpandWithoutBoundAreMalformedNotAHang() {
        var lines = [#"a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]"#]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append("\(name): &\(name) [\(Array(repeating: "*\(previous)", count: 9).joined(separator: ", "))]")
        }
        let scan = ImageScan.scan(lines.joined(separator: "\n"), source: "bomb.yaml")
        #expect(scan.problems.map(\.kind) == [.malformedYAML])
        #expect(scan.problems.first?.message.contains("aliases expand to more than") == true)
    }

    @Test func anEmptyInputHasNoImagesAndNoProblems() {
        #expect(images("") == [])
        #expect(images("# Source: nothing\n---\n") == [])
    }

    @Test func distinctImagesAreNormalisedOnceInFirstSeenOrderWithTheirSources() {
        var scan = ImageScan.scan("spec: {containers: [{image: nginx}, {image: 'ghcr.io/a/b:1'}]}", source: "one.yaml")
        scan.append(ImageScan.scan("spec: {containers: [{image: 'docker.io/library/nginx:latest'}, {image: nginx}]}", source: "two.yaml"))
        let distinct = scan.distinctImages
        #expect(distinct.map(\.reference.description) == ["docker.io/library/nginx:latest", "ghcr.io/a/b:1"])
        #expect(distinct.map(\.raw) == ["nginx", "ghcr.io/a/b:1"])
        #expect(distinct.map(\.sources) == [["one.yaml", "two.yaml"], ["one.yaml"]])
    }
}

@Suite struct ManifestFilesTests {
    /// A fresh directory with `files` (relative path → contents) written into it.
    private func directory(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-manifests-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (path, contents) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func aDirectoryGivesItsYAMLFilesAtAnyDepthSortedByPath() throws {
        let root = try directory(["b.yaml": "", "a/z.yml": "", "a/notes.txt": "", "c/d/e.YAML": "", "Chart.lock": ""])
        let paths = ManifestFiles.expand([root + "/"]).compactMap { try? $0.get() }
        #expect(paths == ["a/z.yml", "b.yaml", "c/d/e.YAML"].map { root + "/" + $0 })
    }

    @Test func aFileNamedTwiceIsReadOnceAndAFileIsTakenWhateverItsName() throws {
        let root = try directory(["x.yaml": "", "rendered.txt": ""])
        let paths = ManifestFiles.expand([root, root + "/x.yaml", root + "/rendered.txt"]).compactMap { try? $0.get() }
        #expect(paths == [root + "/x.yaml", root + "/rendered.txt"])
    }

    @Test func aMissingPathIsAnUnreadableProblemInItsPlace() throws {
        let root = try directory(["x.yaml": "kind: Pod"])
        let results = ManifestFiles.expand(["/nonexistent/manifests", root])
        #expect(results.count == 2)
        guard case .failure(let problem) = results.first else {
            Issue.record("accepted a missing path")
            return
        }
        #expect(problem.kind == .unreadable)
        #expect(problem.description == "/nonexistent/manifests: no such file or directory")
    }

    @Test func aDashReadsStandardInputOnce() throws {
        let inputs = ManifestFiles.load(["-", "-"], standardInput: { Data("kind: Pod\n".utf8) }).compactMap { try? $0.get() }
        #expect(inputs == [ManifestInput(source: ManifestFiles.standardInputName, text: "kind: Pod\n")])
    }

    @Test func aFileThatIsNotUTF8IsMalformed() throws {
        let root = try directory([:])
        try Data([0x6b, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: root + "/binary.yaml"))
        let results = ManifestFiles.load([root + "/binary.yaml"])
        guard case .failure(let problem) = results.first else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(problem.kind == .malformedYAML)
    }
}
