import OCI
import OCILayout
import Testing

@Suite struct ImageLayoutTests {
    static let hex = String(repeating: "0123456789abcdef", count: 4)
    static let digest = Digest("sha256:" + hex)!

    @Test func aBlobLivesUnderItsAlgorithmAndHex() {
        #expect(ImageLayout.blobPath(Self.digest) == "blobs/sha256/" + Self.hex)
    }

    @Test func aBlobPathGivesBackItsDigest() {
        #expect(ImageLayout.digest(atBlobPath: ImageLayout.blobPath(Self.digest)) == Self.digest)
        let sha512 = Digest("sha512:" + Self.hex + Self.hex)!
        #expect(ImageLayout.digest(atBlobPath: ImageLayout.blobPath(sha512)) == sha512)
    }

    @Test(arguments: [
        "blobs/sha256/xyz",
        "blobs/sha256/../x",
        "index.json",
        "oci-layout",
        "blobs",
        "blobs/sha256",
        "blobs/sha256/",
        "./blobs/sha256/" + hex,
        "/blobs/sha256/" + hex,
        "blobs/sha256/" + hex + "/",
        "blobs//" + hex,
        "blobs/sha256/" + hex.uppercased(),
        "blobs/sha256:" + hex + "/x",
        "other/sha256/" + hex,
    ])
    func anythingElseIsNotABlobPath(path: String) {
        #expect(ImageLayout.digest(atBlobPath: path) == nil)
    }

    @Test func theLayoutFileDeclaresVersion1() {
        #expect(ImageLayout.layoutFileBytes == Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        #expect(ImageLayout.layoutFileName == "oci-layout")
        #expect(ImageLayout.indexFileName == "index.json")
        #expect(ImageLayout.refNameAnnotation == "org.opencontainers.image.ref.name")
    }
}
