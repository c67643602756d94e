import Testing
@testable import Upstream

@Suite struct CredentialRedactionTests {
    private let credentials = UpstreamCredentials(username: "customer@example.com", password: "lic_2b7f_secret")

    private func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    @Test func theDescriptionShowsTheUsernameButNotThePassword() {
        #expect("\(credentials)" == "customer@example.com:<redacted>")
    }

    @Test func theDebugDescriptionHidesThePassword() {
        #expect(!String(reflecting: credentials).contains("lic_2b7f_secret"))
    }

    @Test func aDumpHidesThePassword() {
        #expect(!dumped(credentials).contains("lic_2b7f_secret"))
    }

    @Test func settingsPrintedInAnyWayHideThePassword() {
        let settings = UpstreamSettings(name: "vendor", baseURL: "https://p", credentials: credentials)
        for text in ["\(settings)", String(reflecting: settings), dumped(settings), "\(Optional(settings) as Any)"] {
            #expect(!text.contains("lic_2b7f_secret"), "\(text)")
        }
    }
}
