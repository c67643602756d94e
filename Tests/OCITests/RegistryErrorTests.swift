import OCI
import Testing

@Suite struct RegistryErrorTests {
    @Test func rendersTheOCIErrorEnvelope() {
        let error = RegistryError(.manifestUnknown, "no \"such\" thing")
        #expect(error.jsonBody == #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no \"such\" thing","detail":{}}]}"#)
        #expect(error.status == 404)
    }

    @Test func echoedInputIsTruncatedAndFreeOfControlCharacters() {
        let error = RegistryError.nameInvalid("bad\nname" + String(repeating: "x", count: 500))
        #expect(!error.message.contains("\n"))
        #expect(error.message.count < 260)
    }

    @Test func eachCodeTravelsWithItsSpecStatus() {
        #expect(ErrorCode.nameInvalid.httpStatus == 400)
        #expect(ErrorCode.unauthorized.httpStatus == 401)
        #expect(ErrorCode.denied.httpStatus == 403)
        #expect(ErrorCode.blobUnknown.httpStatus == 404)
        #expect(ErrorCode.unsupported.httpStatus == 405)
        #expect(ErrorCode.tooManyRequests.httpStatus == 429)
    }
}
