import OCI
import Testing

@Suite struct RepositoryNameTests {
    @Test(arguments: [
        "alpine", "library/alpine", "proxy/my-app/quay.io/my-org/api", "a/b/c/d", "my_app", "my__app", "my--app", "a.b", "0",
    ])
    func acceptsNamesOfTheSpecGrammar(_ text: String) {
        #expect(RepositoryName(text)?.value == text)
    }

    @Test(arguments: [
        "", "Alpine", "/alpine", "alpine/", "a//b", "a___b", "a..b", "-a", "a-", "a.", "a/.b", "a b", "a:b", "registry:5000/x", "ä",
        String(repeating: "a", count: 256),
    ])
    func rejectsNamesOutsideTheGrammar(_ text: String) {
        #expect(RepositoryName(text) == nil)
    }

    @Test func prefixingPutsTheUpstreamPathInFront() throws {
        let name = try #require(RepositoryName("org/api"))
        let prefix = try #require(RepositoryName("proxy/my-app"))
        #expect(name.prefixed(by: prefix).value == "proxy/my-app/org/api")
        #expect(name.prefixed(by: nil) == name)
    }
}
