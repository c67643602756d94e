import Foundation

/// One line of distribution's access log, parsed by the harness's `accesslog.py`.
struct AccessLogEntry: Decodable, Sendable {
    let method: String
    let path: String
    let status: Int
    let bytes: Int64

    static func read(_ logPath: String) throws -> [AccessLogEntry] {
        let output = try run("/usr/bin/env", ["python3", Paths.harness + "/accesslog.py", logPath])
        return try JSONDecoder().decode([AccessLogEntry].self, from: Data(output.utf8))
    }
}

/// Runs a command to completion and returns its stdout; throws with its stderr on failure.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let result = try execute(executable, arguments, environment: environment)
    guard result.status == 0 else {
        throw HarnessError("\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
    }
    return result.stdout
}

/// Runs a command to completion: its exit status, stdout and stderr.
func execute(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
