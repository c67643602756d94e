import Testing
@testable import Upstream

@Suite struct RedirectTests {
    @Test func anAbsoluteLocationIsTakenAsIs() {
        #expect(Redirect.target(of: "https://bucket.s3.amazonaws.com/blob?X-Amz-Signature=abc", from: "https://r/v2/a/blobs/sha256:1")
            == "https://bucket.s3.amazonaws.com/blob?X-Amz-Signature=abc")
    }

    @Test func aRelativeLocationIsResolvedAgainstTheRequestURL() {
        #expect(Redirect.target(of: "/storage/blob", from: "http://127.0.0.1:5000/v2/a/blobs/sha256:1") == "http://127.0.0.1:5000/storage/blob")
    }

    @Test(arguments: ["ftp://h/blob", "file:///etc/passwd", "javascript:alert(1)"])
    func aLocationThatIsNotHTTPIsRefused(_ location: String) {
        #expect(Redirect.target(of: location, from: "https://r/v2/a/blobs/sha256:1") == nil)
    }

    @Test func theRedirectStatusesAreThe3xxThatCarryALocation() {
        #expect(Redirect.statuses == [301, 302, 303, 307, 308])
        #expect(Redirect.maximumHops == 5)
    }

    @Test func defaultPortsMakeTheSameOrigin() {
        #expect(Redirect.isSameOrigin("https://registry.example.com/v2/", "https://registry.example.com:443/blob"))
        #expect(Redirect.isSameOrigin("http://Registry.Example.com/v2/", "http://registry.example.com:80/x"))
    }

    @Test func anotherHostIsAnotherOrigin() {
        #expect(!Redirect.isSameOrigin("https://registry-1.docker.io", "https://production.cloudflare.docker.com/blob"))
    }

    @Test func anotherPortIsAnotherOrigin() {
        #expect(!Redirect.isSameOrigin("http://127.0.0.1:5000", "http://127.0.0.1:5001/blob"))
    }

    @Test func anotherSchemeIsAnotherOrigin() {
        #expect(!Redirect.isSameOrigin("https://r.example.com", "http://r.example.com/blob"))
    }

    @Test func anUnparsableURLIsNeverTheSameOrigin() {
        #expect(!Redirect.isSameOrigin("https://r.example.com", "not a url"))
    }
}
