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
