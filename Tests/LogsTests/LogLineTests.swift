import Glibc
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

    @Test func aRecordOfValuesThatAllNeedEscapingIsWrittenWholeWithinItsBound() {
        let worst = String(repeating: "\u{01}", count: 300)
        let fields: [LogLine.Field] = [("path", worst), ("user", worst)]
        let line = LogLine.json(time: "t", level: "info", label: "stowage", fields: fields, source: "S", message: worst)
        let escaped = String(repeating: #"\u0001"#, count: 300)
        #expect(line == #"{"time":"t","level":"info","message":""# + escaped + #"","source":"S","label":"stowage","path":""# + escaped
            + #"","user":""# + escaped + #""}"#)
    }

    @Test func bytesBeyondTheCapacityAreDroppedNotWrittenOutOfBounds() {
        var buffer: [UInt8] = Array("before\n".utf8)
        LogLineBuilder.write(.text, time: "t", level: "info", label: "l", source: "S", message: "m", into: &buffer, capacity: 12) { line in
            line.field("path", String(repeating: "x", count: 100))
        }
        #expect(String(decoding: buffer, as: UTF8.self) == "before\nt info l: pa", "12 bytes, the rest dropped")
    }

    @Test func aMetadataKeyNamedLikeAFixedFieldIsPrefixed() {
        let line = LogLine.json(time: "t", level: "debug", label: "l", fields: [("level", "x"), ("message", "m")], source: "S", message: "real")
        #expect(line == #"{"time":"t","level":"debug","message":"real","source":"S","label":"l","_level":"x","_message":"m"}"#)
    }
}

@Suite struct BufferedLinesTests {
    @Test func linesFromManyThreadsAllArriveWholeAndInOrderPerThread() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let lines = BufferedLines(descriptor: writeEnd, interval: .milliseconds(5))
        let reader = Task.detached { () -> String in
            var collected: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = read(readEnd, &chunk, chunk.count)
                if count <= 0 { break }
                collected += chunk[..<count]
            }
            return String(decoding: collected, as: UTF8.self)
        }
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<4 {
                group.addTask {
                    for index in 0..<500 { lines.append { $0.append(contentsOf: "thread=\(thread) line=\(index) end".utf8) } }
                }
            }
        }
        lines.flush()
        close(writeEnd)
        let written = await reader.value.split(separator: "\n")
        #expect(written.count == 2000)
        for thread in 0..<4 {
            let own = written.filter { $0.hasPrefix("thread=\(thread) ") }
            #expect(own == (0..<500).map { "thread=\(thread) line=\($0) end"[...] }, "each thread's lines whole and in its order")
        }
    }
}
