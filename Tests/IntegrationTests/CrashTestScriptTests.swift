import Foundation
import Testing

/// Tests/Harness/crashtest.py: `kill -9` at random moments during 60 concurrent cold pulls, four
/// rounds with a restart each, then `stowage verify` finds nothing wrong and every image pulls again.
@Suite struct CrashTestScriptTests {
    @Test func killNineDuringConcurrentColdPullsLeavesAVerifiableStoreAndEveryImagePullsAgain() async throws {
        let workdir = Paths.temporaryDirectory("crash")
        // stderr (the progress lines) goes to a file next to the workdir; stdout ends with one JSON line.
        let script = try ChildProcess("/usr/bin/env", [
            "python3", Paths.harness + "/crashtest.py", "--stowage", Paths.stowage, "--workdir", workdir,
        ], logPath: workdir + ".crashtest.log")
        let deadline = ContinuousClock.now + .seconds(240)
        var lastLine: String?
        while ContinuousClock.now < deadline, let line = await script.readLine(timeout: deadline - ContinuousClock.now) {
            lastLine = line
        }
        while script.process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let finished = !script.process.isRunning
        if !finished { await script.stop() }  // SIGTERM: the script still stops everything it started
        let progress = (try? String(contentsOfFile: script.logPath, encoding: .utf8)) ?? ""

        #expect(finished, "crashtest.py did not finish within 240 s:\n\(progress)")
        #expect(finished && script.process.terminationStatus == 0,
                "crashtest.py failed: \(lastLine ?? "(no JSON line)")\n\(progress)")
        struct Summary: Decodable { let ok: Bool }
        let summary = lastLine.flatMap { try? JSONDecoder().decode(Summary.self, from: Data($0.utf8)) }
        #expect(summary?.ok == true, "crashtest.py's last line: \(lastLine ?? "(none)")\n\(progress)")
        if summary?.ok == true { try? FileManager.default.removeItem(atPath: workdir) }  // ~100 MiB of images
    }
}
