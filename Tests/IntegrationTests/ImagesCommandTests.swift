import Foundation
import Testing

/// `stowage images PATH…` on a directory of rendered manifests.
@Suite struct ImagesCommandTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// A directory of rendered YAML as `helm template --output-dir` leaves it.
    private func renderedChart() throws -> String {
        let root = Paths.temporaryDirectory("images")
        let files = [
            "app/templates/deployment.yaml": """
                ---
                # Source: app/templates/deployment.yaml
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  template:
                    spec:
                      containers:
                        - name: web
                          image: nginx:1.27
                        - name: metrics
                          image: "quay.io/prometheus/statsd-exporter:v0.26.0"
                ---
                # Source: app/templates/empty.yaml
                """,
            "app/templates/statefulset.yaml": """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db}
                spec:
                  template:
                    spec:
                      containers: [{name: postgres, image: "postgres:16"}]
                """,
            "app/templates/jobs/cronjob.yml": """
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: backup}
                spec:
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers:
                            - name: backup
                              image: ghcr.io/org/backup@\(Self.digest)
                """,
            "app/templates/pod.yaml": """
                apiVersion: v1
                kind: Pod
                metadata: {name: debug}
                spec:
                  initContainers:
                    - {name: wait, image: busybox}
                  containers:
                    - {name: app, image: "docker.io/library/nginx:1.27"}
                    - {name: tools, image: "localhost:5000/tools"}
                """,
            "app/templates/configmap.yaml": """
                apiVersion: v1
                kind: ConfigMap
                data: {image: "not/an-image:1"}
                """,
            "app/README.md": "image: not-yaml",
        ]
        for (path, contents) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    private func runImages(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try execute(Paths.stowage, ["images"] + arguments)
    }

    @Test func printsEachImageOnceNormalisedInFileAndDocumentOrder() throws {
        let output = try run(Paths.stowage, ["images", try renderedChart()])
        // Files sorted by path: deployment.yaml, jobs/cronjob.yml, pod.yaml, statefulset.yaml.
        #expect(output.split(separator: "\n") == [
            "docker.io/library/nginx:1.27",
            "quay.io/prometheus/statsd-exporter:v0.26.0",
            "ghcr.io/org/backup@\(Self.digest)",
            "docker.io/library/busybox:latest",
            "localhost:5000/tools:latest",
            "docker.io/library/postgres:16",
        ])
    }

    @Test func rawPrintsTheFirstSpellingOfEachImage() throws {
        let output = try run(Paths.stowage, ["images", "--raw", try renderedChart()])
        #expect(output == "nginx:1.27\nquay.io/prometheus/statsd-exporter:v0.26.0\nghcr.io/org/backup@\(Self.digest)\nbusybox\nlocalhost:5000/tools\npostgres:16\n")
    }

    @Test func jsonNamesEveryFileUsingAnImage() throws {
        let root = try renderedChart()
        let output = try run(Paths.stowage, ["images", "--json", root])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let images = try #require(object["images"] as? [[String: Any]])
        #expect(images.count == 6)
        #expect(images.first?["reference"] as? String == "docker.io/library/nginx:1.27")
        #expect(images.first?["as"] as? String == "nginx:1.27")
        #expect(images.first?["sources"] as? [String] == ["\(root)/app/templates/deployment.yaml", "\(root)/app/templates/pod.yaml"])
        #expect((object["problems"] as? [Any])?.isEmpty == true)
    }

    @Test func anInvalidImageExits1AndStillPrintsTheValidOnes() throws {
        let root = try renderedChart()
        try "kind: Pod\nspec:\n  containers:\n    - {name: x, image: \"Not/Valid\"}\n".write(toFile: root + "/bad-image.yaml", atomically: true, encoding: .utf8)
        let result = try runImages([root + "/bad-image.yaml", root + "/app/templates/statefulset.yaml"])
        #expect(result.status == 1)
        #expect(result.stdout == "docker.io/library/postgres:16\n")
        #expect(result.stderr.contains(#"bad-image.yaml:4: image "Not/Valid" is not a valid reference"#))
    }

    @Test func malformedYAMLExits2NamingTheFileAndLine() throws {
        let root = try renderedChart()
        let broken = root + "/broken.yaml"
        try "kind: Pod\nspec:\n  containers:\n    - name: x\n      image: alpine\n     oops: [\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let result = try runImages([broken, root + "/app/templates/statefulset.yaml"])
        #expect(result.status == 2)
        #expect(result.stdout == "docker.io/library/postgres:16\n", "the other file is still read")
        #expect(result.stderr.hasPrefix("stowage: \(broken):6: malformed YAML: "), "\(result.stderr)")
    }

    @Test func aMissingPathExits2() throws {
        let result = try runImages(["/nonexistent/rendered"])
        #expect(result.status == 2)
        #expect(result.stderr == "stowage: /nonexistent/rendered: no such file or directory\n")
    }
}
