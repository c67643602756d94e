import Testing
@testable import Upstream

@Suite struct AuthorizationHeaderTests {
    @Test func basicEncodesUsernameColonPasswordInBase64() {
        let header = AuthorizationHeader.basic(UpstreamCredentials(username: "user", password: "pass"))
        #expect(header.value == "Basic dXNlcjpwYXNz")
    }

    @Test func bearerCarriesTheToken() {
        #expect(AuthorizationHeader.bearer("abc").value == "Bearer abc")
    }

    @Test func theCredentialNeverAppearsInADescription() {
        for header in [AuthorizationHeader.basic(UpstreamCredentials(username: "u", password: "hunter2")), .bearer("tok-123")] {
            let texts = ["\(header)", String(reflecting: header), { var s = ""; dump(header, to: &s); return s }()]
            #expect(texts.allSatisfy { !$0.contains(header.credential) && !$0.contains("hunter2") && !$0.contains("tok-123") })
        }
    }
}
