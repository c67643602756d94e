import OCI
import Testing

@Suite struct ImageReferenceTests {
    static let hex = String(repeating: "a1", count: 32)

    @Test(arguments: [
        ("alpine", "docker.io/library/alpine:latest"),
        ("alpine:3.19", "docker.io/library/alpine:3.19"),
        ("library/alpine", "docker.io/library/alpine:latest"),
        ("docker.io/alpine", "docker.io/library/alpine:latest"),
        ("index.docker.io/library/alpine", "docker.io/library/alpine:latest"),
        ("registry-1.docker.io/bitnami/redis:7.2", "docker.io/bitnami/redis:7.2"),
        ("bitnami/redis", "docker.io/bitnami/redis:latest"),
        ("ghcr.io/org/app:1.2", "ghcr.io/org/app:1.2"),
        ("GHCR.io/org/app:1.2", "ghcr.io/org/app:1.2"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost/app", "localhost/app:latest"),
        ("quay.io/app", "quay.io/app:latest"),
        ("proxy.replicated.com/proxy/my-app/docker.io/library/nginx:1.27", "proxy.replicated.com/proxy/my-app/docker.io/library/nginx:1.27"),
    ])
    func normalisesAsDockerDoes(_ input: String, _ expected: String) throws {
        let reference = try ImageReference.parse(input).get()
        #expect(reference.description == expected)
    }

    @Test func splitsHostPortPathTagAndDigest() throws {
        let reference = try ImageReference.parse("registry.example.com:5000/a/b/c:tag@sha256:\(Self.hex)").get()
        #expect(reference.registry == "registry.example.com:5000")
        #expect(reference.repository.value == "a/b/c")
        #expect(reference.tag?.value == "tag")
        #expect(reference.digest?.description == "sha256:\(Self.hex)")
        #expect(reference.description == "registry.example.com:5000/a/b/c:tag@sha256:\(Self.hex)")
        #expect(reference.manifestReference == .digest(Digest("sha256:\(Self.hex)")!), "the digest is what gets pulled")
    }

    @Test func aDigestAloneGetsNoTag() throws {
        let reference = try ImageReference.parse("nginx@sha256:\(Self.hex)").get()
        #expect(reference.tag == nil)
        #expect(reference.description == "docker.io/library/nginx@sha256:\(Self.hex)")
    }

    @Test func noTagMeansLatest() throws {
        let reference = try ImageReference.parse("ghcr.io/org/app").get()
        #expect(reference.tag == Tag("latest"))
        #expect(reference.manifestReference == .tag(Tag("latest")!))
    }

    @Test func aLicenseProxyPathKeepsItsNestedRegistryAsRepository() throws {
        let reference = try ImageReference.parse("proxy.replicated.com/proxy/my-app/docker.io/library/nginx:1.27").get()
        #expect(reference.registry == "proxy.replicated.com")
        #expect(reference.repository.value == "proxy/my-app/docker.io/library/nginx")
        #expect(reference.tag?.value == "1.27")
    }

    @Test func aPortWithoutAPathIsReadAsATag() throws {
        // Docker reads `localhost:5000` the same way: a Docker Hub image named localhost.
        #expect(try ImageReference.parse("localhost:5000").get().description == "docker.io/library/localhost:5000")
    }

    @Test(arguments: ["UPPER/case", "a::b", "", "host/", "example.com/", ":tag", "a//b", "-a/b", "ghcr.io/Org/app"])
    func rejectsBadNamesAsNameInvalid(_ input: String) {
        guard case .failure(let error) = ImageReference.parse(input) else {
            Issue.record("accepted \(input)")
            return
        }
        #expect(error.code == .nameInvalid)
    }

    @Test(arguments: ["alpine:" + String(repeating: "t", count: 129), "alpine:", "alpine:-x", "ghcr.io/app:a+b"])
    func rejectsBadTagsAsTagInvalid(_ input: String) {
        guard case .failure(let error) = ImageReference.parse(input) else {
            Issue.record("accepted \(input)")
            return
        }
        #expect(error.code == .tagInvalid)
    }

    @Test func acceptsTheLongestTag() {
        let tag = String(repeating: "t", count: 128)
        #expect(ImageReference("alpine:\(tag)")?.tag?.value == tag)
    }

    @Test(arguments: ["nginx@sha256:abc", "nginx@sha256:" + String(repeating: "A1", count: 32), "nginx@", "nginx@@sha256:\(hex)", "nginx:1@md5"])
    func rejectsBadDigestsAsDigestInvalid(_ input: String) {
        guard case .failure(let error) = ImageReference.parse(input) else {
            Issue.record("accepted \(input)")
            return
        }
        #expect(error.code == .digestInvalid)
    }

    @Test func rejectsABadRegistryHost() {
        guard case .failure(let error) = ImageReference.parse("my_host.example:5000/app") else {
            Issue.record("accepted an underscore in a host")
            return
        }
        #expect(error.message.contains("invalid registry host"))
        #expect(ImageReference("host.example:0/app") == nil)
        #expect(ImageReference("host.example:http/app") == nil)
    }

    @Test func rejectsANameLongerThanClientsAccept() {
        let path = (0..<60).map { _ in "abcd" }.joined(separator: "/")
        #expect(ImageReference("ghcr.io/\(path)") == nil, "ghcr.io/ + 299 characters")
        #expect(ImageReference("ghcr.io/\(path.prefix(239))") != nil)
    }

    @Test func equalReferencesAreEqualHoweverWritten() {
        #expect(ImageReference("nginx") == ImageReference("index.docker.io/library/nginx:latest"))
        #expect(ImageReference("nginx") != ImageReference("nginx:1.27"))
    }
}

@Suite struct ImageReferenceRegistryTests {
    @Test(arguments: ["ghcr.io/org/app:1", "localhost/app", "127.0.0.1:5000/app/oci:1.0", "docker.io/library/nginx"])
    func aFirstComponentLikeAHostNamesTheRegistry(text: String) {
        #expect(ImageReference.namesRegistry(text))
    }

    @Test(arguments: ["nginx", "nginx:1.27", "org/app:1", "app/oci@sha256:" + String(repeating: "a", count: 64)])
    func otherwiseTheRegistryIsLeftToTheDefault(text: String) {
        #expect(!ImageReference.namesRegistry(text))
    }
}
