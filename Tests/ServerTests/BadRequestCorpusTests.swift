import Foundation
import Testing

/// The raw-socket corpus of bad requests (`Tests/Corpus/bad-requests`): each file is the exact bytes
/// a client sends, named `STATUS-FATE-what.http`. Each is answered exactly once with STATUS (an OCI
/// error body for every 4xx), then the connection is closed (`close`) or answers the next request on
/// it (`open`), and the server goes on serving. Ranges are asked of `blob`, stored as
/// corpus/app's one blob.
@Suite struct BadRequestCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let status: Int
        let closes: Bool
        var testDescription: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Corpus/bad-requests").standardizedFileURL.path

    static let cases: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".http") }.sorted().map { name in
            let parts = name.split(separator: "-", maxSplits: 2)
            let bytes = FileManager.default.contents(atPath: "\(directory)/\(name)").map { Array($0) } ?? []
            return Case(name: String(name.dropLast(5)), bytes: bytes, status: Int(parts[0]) ?? 0, closes: parts[1] == "close")
        }
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.cases.count >= 50, "\(Self.directory)")
        #expect(Self.cases.allSatisfy { $0.status > 0 && !$0.bytes.isEmpty })
    }

    @Test(arguments: cases)
    func eachBadRequestIsAnsweredOnceAndTheConnectionEndsAsNamed(_ request: Case) async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let blob = Array(try #require(FileManager.default.contents(atPath: "\(Self.directory)/blob")))
        _ = try await server.putBlob(blob, in: "corpus/app")
        let client = try RawClient(port: server.port)
        try client.send(bytes: request.bytes)

        let response = try await client.response()
        #expect(response.status == request.status, "\(response)")
        if request.status >= 400 {
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text.hasPrefix(#"{"errors":[{"code":""#), "\(response.text)")
        }
        if request.status == 400 && request.closes {
            #expect(response.text.hasPrefix(#"{"errors":[{"code":"UNSUPPORTED","message":""#), "a head that cannot be parsed")
            #expect(response.header("Connection") == "close")
        }
        if request.closes {
            #expect(await client.isClosedByServer())
        } else {
            try client.send("GET /v2/ HTTP/1.1\r\nHost: corpus\r\n\r\n")
            #expect(try await client.response().status == 200, "the connection answers the next request")
        }
        #expect(try await RawClient(port: server.port).request("/v2/").status == 200, "the server goes on serving")
    }
}
