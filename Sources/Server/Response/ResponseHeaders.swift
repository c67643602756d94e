import NIOCore

/// A response's header lines, written as bytes as they are added (`Name: value\r\n`), for
/// `ResponseHead` to put behind the status line: no array of string pairs, no second pass, and a
/// digest or an ETag written from its parts instead of made into a string first. Every name and
/// value is a constant, a number, a value Stowage validated, or one an upstream sent as a header
/// (so none holds CR or LF); they are written as they are.
struct ResponseHeaders: Sendable, ExpressibleByDictionaryLiteral {
    private(set) var bytes: ByteBuffer
    /// Whether `Content-Length` was added: the body's framing depends on it.
    private(set) var hasContentLength = false

    init() {
        bytes = ByteBuffer()
        bytes.reserveCapacity(320)
    }

    init(dictionaryLiteral elements: (String, String)...) {
        self.init()
        for (name, value) in elements { add(name: name, value: value) }
    }

    mutating func add(name: String, value: String) {
        bytes.writeString(name)
        bytes.writeStaticString(": ")
        bytes.writeString(value)
        bytes.writeStaticString("\r\n")
        if !hasContentLength, name.utf8.count == 14, name == "Content-Length" { hasContentLength = true }
    }

    /// `Content-Length: <count>`.
    mutating func addContentLength(_ count: Int64) {
        bytes.writeStaticString("Content-Length: ")
        bytes.writeString(String(count))
        bytes.writeStaticString("\r\n")
        hasContentLength = true
    }

    /// A header whose value is `prefix`, `value`, `suffix`: an ETag (`"<digest>"`) without a string made for it.
    mutating func add(name: StaticString, _ prefix: StaticString, _ value: String, _ suffix: StaticString) {
        bytes.writeStaticString(name)
        bytes.writeStaticString(": ")
        bytes.writeStaticString(prefix)
        bytes.writeString(value)
        bytes.writeStaticString(suffix)
        bytes.writeStaticString("\r\n")
    }

    /// The value of the first header named `name` (exact case), for tests and the rare reader.
    func first(name: String) -> String? {
        let text = String(buffer: bytes)
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), line[..<colon] == name else { continue }
            return String(line[line.index(colon, offsetBy: 2)...])
        }
        return nil
    }
}
