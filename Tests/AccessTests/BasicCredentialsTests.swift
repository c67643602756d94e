import Access
import Testing

@Suite struct BasicCredentialsTests {
    @Test func readsUserAndPassword() throws {
        // "aladdin:opensesame"
        let credentials = try #require(BasicCredentials(authorization: "Basic YWxhZGRpbjpvcGVuc2VzYW1l"))
        #expect(credentials.user == "aladdin")
        #expect(credentials.password == "opensesame")
    }

    @Test(arguments: ["basic", "BASIC", "bAsIc"])
    func theSchemeIsCaseInsensitive(_ scheme: String) {
        #expect(BasicCredentials(authorization: "\(scheme) YWxhZGRpbjpvcGVuc2VzYW1l")?.user == "aladdin")
    }

    @Test func toleratesSeveralSpacesAndSurroundingWhitespace() {
        #expect(BasicCredentials(authorization: "  Basic    YWxhZGRpbjpvcGVuc2VzYW1l  ")?.password == "opensesame")
    }

    @Test func splitsAtTheFirstColonSoThePasswordMayHoldColons() throws {
        // "bob:pa:ss wörd"
        let credentials = try #require(BasicCredentials(authorization: "Basic Ym9iOnBhOnNzIHfDtnJk"))
        #expect(credentials.user == "bob")
        #expect(credentials.password == "pa:ss wörd")
    }

    @Test(arguments: [
        ("Basic YTpi", "a", "b"),          // "a:b", no padding needed
        ("Basic YTpiYw==", "a", "bc"),     // padded
        ("Basic YTpiYw", "a", "bc"),       // padding left out
        ("Basic YTpiY2Q=", "a", "bcd"),
        ("Basic YTpiY2Q", "a", "bcd"),
        ("Basic Og==", "", ""),            // ":"
    ])
    func paddingIsOptional(_ header: String, _ user: String, _ password: String) throws {
        let credentials = try #require(BasicCredentials(authorization: header))
        #expect(credentials.user == user)
        #expect(credentials.password == password)
    }

    @Test func decodesTheWholeAlphabet() throws {
        // "u:>?~" encodes with '+' and '/': dTo+P34=
        let credentials = try #require(BasicCredentials(authorization: "Basic dTo+P34="))
        #expect(credentials.password == ">?~")
    }

    @Test(arguments: [
        "Bearer YWxhZGRpbjpvcGVuc2VzYW1l",
        "Digest username=\"a\"",
        "BasicYWxhZGRpbjpvcGVuc2VzYW1l",
        "Basic",
        "Basic ",
        "",
        "YWxhZGRpbjpvcGVuc2VzYW1l",
    ])
    func refusesOtherSchemes(_ header: String) {
        #expect(BasicCredentials(authorization: header) == nil)
    }

    @Test(arguments: [
        "Basic YWxh ZGRpbjpvcGVuc2VzYW1l",   // space inside
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l!",   // foreign character
        "Basic dTo-P34=",                    // URL-safe alphabet
        "Basic YTpiYw=",                     // padding that does not complete the group
        "Basic YTpiYw===",                   // too much padding
        "Basic YT=pi",                       // padding in the middle
        "Basic YTpiY",                       // a lone sixth bit
        "Basic YWxhZGRpbg==",                // "aladdin": no colon
        "Basic /w==",                        // 0xFF: not UTF-8
        "Basic YTpiAGM=",                    // "a:b\0c": a control character
        "Basic YQk6Yg==",                    // "a\t:b"
    ])
    func refusesMalformedCredentials(_ header: String) {
        #expect(BasicCredentials(authorization: header) == nil)
    }

    @Test func descriptionsNeverShowThePassword() {
        let credentials = BasicCredentials(user: "alice", password: "hunter2")
        #expect(credentials.description == "BasicCredentials(user: \"alice\", password: <redacted>)")
        #expect(!String(reflecting: credentials).contains("hunter2"))
        #expect(!"\(credentials)".contains("hunter2"))
        var dumped = ""
        dump(credentials, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(dumped.contains("alice"))
    }
}
