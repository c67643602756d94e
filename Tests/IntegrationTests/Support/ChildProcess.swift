import Foundation
import Synchronization

/// A process started by a test. It is sent SIGTERM (then SIGKILL) when stopped or dropped; helper
/// scripts also exit when their stdin closes, so nothing outlives a crashed test run.
final class ChildProcess: Sendable {
    let process: Process
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let output = Mutex<[UInt8]>([])
    let logPath: String

    /// Starts `executable` with `arguments`; stderr (and stdout past the first lines read with
    /// `readLine`) go to `logPath`.
    init(_ executable: String, _ arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        if let environment { process.environment = environment }
        self.logPath = logPath
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// The next line the process prints on stdout, or nil if it exits first or `timeout` passes.
    func readLine(timeout: Duration = .seconds(60)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        let handle = stdoutPipe.fileHandleForReading
        while ContinuousClock.now < deadline {
            if let line = takeLine() { return line }
            let chunk = await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: handle.availableData) }
            }
            if chunk.isEmpty { return takeLine() }
            output.withLock { $0.append(contentsOf: chunk) }
        }
        return nil
    }

    private func takeLine() -> String? {
        output.withLock { buffer in
            guard let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = String(decoding: buffer[..<newline], as: UTF8.self)
            buffer.removeSubrange(...newline)
            return line
        }
    }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// SIGTERM, then SIGKILL after `grace`; waits for the exit.
    func stop(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        signal(SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        try? stdinPipe.fileHandleForWriting.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
