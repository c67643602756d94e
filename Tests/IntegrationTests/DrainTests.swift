import Foundation
import Testing

/// SIGTERM drains: `/readyz` turns 503 at once, requests are still served for the drain delay, then
/// the listener closes and the downloads clients are following finish (and are committed) before
/// the process exits 0.
@Suite struct DrainTests {
    @Test func sigtermWhileEightClientsAreMidwayThroughColdDownloadsLetsThemAllFinish() async throws {
        // 64 MiB sent at 16 MiB/s: each client is about a quarter through when the signal comes.
        let faulty = try await FaultyUpstream.start(extra: ["--huge-mib", "64", "--huge-rate-mib", "16"])
        let huge = try #require(faulty.info.huge)
        let stowage = try await StowageServer.start(upstream: faulty.url, extra: ["--drain-delay", "1s", "--drain-timeout", "30s"])
        defer { Task { await stowage.stop() } }
        #expect(try await HTTP.get("\(stowage.url)/readyz").status == 200)

        // Each client streams the blob through sha256sum.
        let clients = try (0..<8).map { _ in
            try ClientDownload(command: "curl -sf \(stowage.url)/v2/huge/app/blobs/\(huge.digest) | sha256sum")
        }
        try await Task.sleep(for: .seconds(1))

        let signalled = ContinuousClock.now
        await stowage.signal(SIGTERM)
        var notReadyAfter: Duration?
        while notReadyAfter == nil, ContinuousClock.now - signalled < .seconds(1) {
            if try await HTTP.get("\(stowage.url)/readyz").status == 503 { notReadyAfter = ContinuousClock.now - signalled }
        }
        print("drain: /readyz answered 503 after \(notReadyAfter.map { "\($0)" } ?? "more than 1 s")")
        #expect(notReadyAfter.map { $0 < .milliseconds(100) } == true, "503 after \(String(describing: notReadyAfter))")

        for (number, client) in clients.enumerated() {
            let (status, output) = await client.finished()
            #expect(status == 0, "client \(number): exit \(status)")
            #expect(output.hasPrefix(huge.digest.dropFirst("sha256:".count)), "client \(number) got every byte: \(output)")
        }
        let exit = await stowage.waitForExit(within: .seconds(30))
        let took = ContinuousClock.now - signalled
        print("drain: exited \(exit.map(String.init) ?? "—") \(took) after SIGTERM")
        #expect(exit == 0, "\(stowage.log().suffix(2000))")
        #expect(took < .seconds(31), "within the drain delay and timeout")
        #expect(FileManager.default.fileExists(atPath: stowage.storage.blobPath(huge.digest)), "the download was committed")
        let log = stowage.log()
        let draining = try #require(log.range(of: "draining: /readyz answers 503"))
        let closing = try #require(log.range(of: "shutting down: no new connections"))
        #expect(draining.lowerBound < closing.lowerBound)
        #expect(try await faulty.fetches(containing: huge.digest) == 1)
    }
}

/// A shell pipeline run in the background; `finished()` waits for it off the cooperative pool.
private final class ClientDownload: Sendable {
    private let process = Process()
    private let output = Pipe()

    init(command: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func finished() async -> (Int32, String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [process, output] in
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}
