import Foundation
import Testing

/// Output whose reader has gone (`stowage preseed … | head -1`, a `serve` started with its stdout a
/// closed pipe): never a crash. A command stops quietly, as a shell tool stopped by SIGPIPE does;
/// `serve` keeps serving.
@Suite struct ClosedOutputTests {
    @Test(arguments: [[], ["--json"]])
    func preseedWhoseReaderHasGoneStopsQuietly(_ format: [String]) async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let storage = Paths.temporaryDirectory("closed-pipe")
        let (flags, environment) = StowageCLI.upstream(upstream.url)

        let result = try ClosedStdout.run(["preseed", "\(host)/app/oci:1.0", "\(host)/charts/mychart:0.1.0", "--storage", storage,
                                           "--config", Paths.harness + "/empty-config.yaml"] + format + flags, environment: environment)

        #expect(result.status == 128 + SIGPIPE, "\(result.errors)")
        #expect(result.errors.isEmpty, "nothing said about the closed pipe: \(result.errors)")
    }

    @Test func serveWhoseStdoutIsAClosedPipeKeepsServing() async throws {
        let storage = Paths.temporaryDirectory("closed-pipe-serve")
        let log = storage + ".stowage.log"
        let server = try ClosedStdout.start(["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--storage", storage,
                                             "--log-level", "debug", "--config", Paths.harness + "/empty-config.yaml"], log: log)
        defer { server.terminate(); server.waitUntilExit() }

        let port = try await ClosedStdout.listeningPort(in: log)
        let answer = try await HTTP.get("http://127.0.0.1:\(port)/v2/")

        #expect(answer.status == 200)
        #expect(server.isRunning)
        #expect(!((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Fatal error"))
    }
}

/// Runs the built binary with its stdout the write end of a pipe whose read end is already
/// closed, so its first write to stdout fails with EPIPE, deterministically.
enum ClosedStdout {
    /// Runs `stowage ARGUMENTS` to the end; returns its exit status and what it wrote to stderr.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, errors: String) {
        let process = try start(arguments, environment: environment, errors: Pipe())
        let errors = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors, as: UTF8.self))
    }

    /// Starts `stowage ARGUMENTS` with stderr to `log`.
    static func start(_ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        return try start(arguments, environment: ProcessInfo.processInfo.environment, errors: FileHandle(forWritingTo: URL(fileURLWithPath: log)))
    }

    private static func start(_ arguments: [String], environment: [String: String], errors: Any) throws -> Process {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw HarnessError("pipe failed") }
        close(ends[0])
        let output = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.stowage)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try output.close()
        return process
    }

    /// The port of the `listening` line `serve` logs (its start-up line went nowhere).
    static func listeningPort(in log: String) async throws -> Int {
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // The pull API's listener (the metrics listener logs "metrics listening").
            if let line = text.split(separator: "\n").first(where: { $0.hasSuffix("[Server] listening") }),
               let range = line.range(of: "127.0.0.1:"), let port = Int(line[range.upperBound...].prefix { $0.isNumber }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("serve logged no listening line in \(log)")
    }
}
