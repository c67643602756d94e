import OCI
import Testing

@Suite struct PlatformTests {
    @Test(arguments: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64"])
    func aPlatformReadsBackAsWritten(text: String) {
        #expect(Platform(text)?.description == text)
    }

    @Test(arguments: ["linux", "linux/", "/amd64", "linux/arm/v7/x", "Linux/AMD64", "linux amd64", ""])
    func anythingElseIsNotAPlatform(text: String) {
        #expect(Platform(text) == nil)
    }

    @Test func withoutAVariantAnyVariantMatches() {
        let arm = Platform("linux/arm")!
        #expect(arm.matches(Platform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(arm.matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
        #expect(!Platform("linux/arm/v7")!.matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
        #expect(!arm.matches(Platform(os: "linux", architecture: "arm64")))
    }

    @Test func arm64WithoutAVariantIsV8() {
        #expect(Platform("linux/arm64/v8")!.matches(Platform(os: "linux", architecture: "arm64")))
        #expect(Platform("linux/arm64")!.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
    }
}
