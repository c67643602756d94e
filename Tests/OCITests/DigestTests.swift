import OCI
import Testing

@Suite struct DigestTests {
    let hex = String(repeating: "ab", count: 32)

    @Test func parsesALowercaseSHA256Digest() throws {
        let digest = try #require(Digest("sha256:\(hex)"))
        #expect(digest.algorithm == "sha256")
        #expect(digest.encoded == hex)
        #expect(digest.description == "sha256:\(hex)")
    }

    @Test(arguments: [
        "sha256:" + String(repeating: "AB", count: 32),  // uppercase hex
        "sha256:" + String(repeating: "a", count: 63),   // too short
        "sha256:" + String(repeating: "g", count: 64),   // not hex
        "sha512:" + String(repeating: "a", count: 64),   // wrong length for sha512
        "sha256", ":abc", "sha256:", "SHA256:abc", "sha256::abc", "-sha:abc", "sha+:abc", "sha256:ab/cd", "sha256:../../etc",
    ])
    func rejectsMalformedDigests(_ text: String) {
        #expect(Digest(text) == nil)
    }

    @Test func acceptsAnUnknownAlgorithmThatFitsTheGrammar() throws {
        let digest = try #require(Digest("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"))
        #expect(digest.algorithm == "multihash+base58")
    }

    @Test func formatsRawHashBytesAsLowercaseHex() {
        let digest = Digest(sha256: [0x00, 0x0f, 0xa0, 0xff] + Array(repeating: 0, count: 28))
        #expect(digest.encoded.hasPrefix("000fa0ff"))
        #expect(digest.encoded.count == 64)
    }
}
