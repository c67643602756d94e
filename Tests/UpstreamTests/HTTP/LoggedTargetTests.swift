import Testing
@testable import Upstream

@Suite struct LoggedTargetTests {
    @Test func theQueryIsNeverLogged() {
        let target = LoggedTarget(url: "https://bucket.s3.amazonaws.com/docker/blob?X-Amz-Credential=AKIA&X-Amz-Signature=abc")
        #expect(target.host == "bucket.s3.amazonaws.com")
        #expect(target.path == "/docker/blob")
    }

    @Test func userInfoIsNeverLogged() {
        let target = LoggedTarget(url: "https://user:pass@registry.example.com:8443/v2/")
        #expect(target.host == "registry.example.com:8443")
        #expect(target.path == "/v2/")
    }

    @Test func aURLWithoutAPathHasAnEmptyPath() {
        #expect(LoggedTarget(url: "http://127.0.0.1:5000").path == "")
    }
}
