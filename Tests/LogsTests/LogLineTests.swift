import Logs
import Testing

@Suite struct LogLineTests {
    @Test func aRecordIsTimeLevelLabelSortedMetadataSourceAndMessage() {
        let line = LogLine.text(time: "2026-11-30T06:19:29+0000", level: "info", label: "stowage",
                                fields: [("digest", "sha256:ab"), ("upstream", "hub")], source: "Cache", message: "cached manifest")
        #expect(line == "2026-11-30T06:19:29+0000 info stowage: digest=sha256:ab upstream=hub [Cache] cached manifest")
    }

    @Test func aValueWithSpacesIsQuoted() {
        #expect(LogLine.quoted("upstream hub answered 503: unexpected status 503") == #""upstream hub answered 503: unexpected status 503""#)
    }

    @Test func aValueWithoutSpacesStaysBare() {
        #expect(LogLine.quoted("/v2/app/oci/manifests/1.0?ns=docker.io") == "/v2/app/oci/manifests/1.0?ns=docker.io")
        #expect(LogLine.quoted("hub/app/api:1.0") == "hub/app/api:1.0")
    }

    @Test func anEmptyValueIsAnEmptyQuotedString() {
        #expect(LogLine.quoted("") == #""""#)
    }

    @Test func quotesAndBackslashesCannotForgeAnotherKey() {
        #expect(LogLine.quoted(#"a" status=200"#) == #""a\" status=200""#)
        #expect(LogLine.quoted(#"c:\x"#) == #""c:\\x""#)
    }

    @Test func controlCharactersNeverBreakTheLine() {
        #expect(LogLine.quoted("a\r\nb\u{1B}") == #""a\r\nb\u001b""#)
        let line = LogLine.text(time: "t", level: "error", label: "stowage", fields: [], source: "S", message: "two\nlines")
        #expect(line == #"t error stowage: [S] two\nlines"#)
    }

    @Test func aJSONRecordIsOneObjectWithFixedFieldsFirstAndMetadataByKey() {
        let line = LogLine.json(time: "2026-11-30T06:19:29.123Z", level: "info", label: "stowage",
                                fields: [("error", "upstream hub is \"down\""), ("upstream", "hub")], source: "Cache", message: "serving\ncached")
        #expect(line == #"{"time":"2026-11-30T06:19:29.123Z","level":"info","message":"serving\ncached","source":"Cache","label":"stowage","error":"upstream hub is \"down\"","upstream":"hub"}"#)
    }

    @Test func aMetadataKeyNamedLikeAFixedFieldIsPrefixed() {
        let line = LogLine.json(time: "t", level: "debug", label: "l", fields: [("level", "x"), ("message", "m")], source: "S", message: "real")
        #expect(line == #"{"time":"t","level":"debug","message":"real","source":"S","label":"l","_level":"x","_message":"m"}"#)
    }
}
