import OCI
import Testing

@Suite struct ManifestReferenceTests {
    @Test func readsATag() {
        #expect(ManifestReference.parse("1.0_rc-1") == .success(.tag(Tag("1.0_rc-1")!)))
    }

    @Test func readsADigest() {
        let text = "sha256:" + String(repeating: "0", count: 64)
        #expect(ManifestReference.parse(text) == .success(.digest(Digest(text)!)))
    }

    @Test(arguments: [".hidden", "-dash", "a+b", "", String(repeating: "t", count: 129), "a/b"])
    func rejectsBadTagsAsTagInvalid(_ text: String) {
        guard case .failure(let error) = ManifestReference.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(error.code == .tagInvalid)
        #expect(error.status == 400)
    }

    @Test func rejectsABadDigestAsDigestInvalid() {
        guard case .failure(let error) = ManifestReference.parse("sha256:xyz") else {
            Issue.record("accepted a bad digest")
            return
        }
        #expect(error.code == .digestInvalid)
        #expect(error.status == 400)
    }

    @Test func acceptsTheLongestValidTag() {
        let text = String(repeating: "t", count: 128)
        #expect(ManifestReference.parse(text) == .success(.tag(Tag(text)!)))
    }
}
