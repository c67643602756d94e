import Foundation

/// One JSON object on a line of standard output.
func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    printLine(String(decoding: data, as: UTF8.self))
}

/// A whole line to standard output at once (events come from several tasks).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Prints `stowage: message` to stderr and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("stowage: \(message)\n".utf8))
    Foundation.exit(status)
}

/// An ISO 8601 UTC time for seconds since the epoch.
func isoTime(_ seconds: Int64) -> String {
    Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format()
}
