import Console
import Foundation
import Glibc

/// Where the CLI writes.
enum StandardStream {
    case output, error

    var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }
}

/// Writes all of `text` to `stream`; returns the `errno` of a write that failed, nil otherwise.
@discardableResult
func write(_ text: String, to stream: StandardStream) -> Int32? {
    writeAll(text, to: stream.descriptor)
}

/// One JSON object on a line of standard output.
func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    printLine(String(decoding: data, as: UTF8.self))
}

/// A whole line to standard output at once (events come from several tasks). When the reader has
/// gone (`stowage preseed … | head -1`), the command stops quietly with the status a shell tool
/// stopped by SIGPIPE has; any other failure to write is said on stderr.
///
/// Either way the process ends with `_exit`, as a signal would end it: other tasks are still
/// running (downloading, hashing), and `exit`'s teardown (atexit handlers, OpenSSL's cleanup)
/// would pull state from under them and crash.
func printLine(_ line: String) {
    switch write(line + "\n", to: .output) {
    case nil: return
    case EPIPE?: _exit(128 + SIGPIPE)
    case let failure?:
        write("stowage: cannot write to standard output: \(String(cString: strerror(failure)))\n", to: .error)
        _exit(1)
    }
}

/// Prints `stowage: message` to stderr (if it can) and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    write("stowage: \(message)\n", to: .error)
    Foundation.exit(status)
}

/// An ISO 8601 UTC time for seconds since the epoch.
func isoTime(_ seconds: Int64) -> String {
    Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format()
}
