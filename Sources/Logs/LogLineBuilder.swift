/// One log record written straight into bytes, in the layout of `LogLine` (text or JSON): no
/// intermediate strings, numbers written digit by digit, values copied as they are unless they need
/// quoting or escaping. The access line of every request is built with it (the hot path's log
/// line), and `LogLine.render` too, so both layouts are decided here only.
///
/// Order of calls: `init` (time, level, label, and for JSON the message and source), the fields in
/// key order, then `finished()`, which closes the record (text: ` [source] message`; JSON: `}`).
public struct LogLineBuilder {
    public private(set) var bytes: [UInt8]
    private let format: LogFormat
    private let source: String
    private let message: String

    public init(_ format: LogFormat, time: String, level: String, label: String, source: String, message: String, capacity: Int = 320) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        self.init(format, appendingTo: &bytes, time: time, level: level, label: label, source: source, message: message)
    }

    /// A record written after what `buffer` holds (a buffer of lines), in place: the builder takes
    /// the buffer (leaving it empty) and `finish(into:)` gives it back with the record appended,
    /// so a large buffer is never copied.
    public init(_ format: LogFormat, appendingTo buffer: inout [UInt8], time: String, level: String, label: String, source: String,
                message: String) {
        self.format = format
        self.source = source
        self.message = message
        bytes = []
        swap(&bytes, &buffer)
        switch format {
        case .text:
            bytes.append(contentsOf: time.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: level.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: label.utf8)
            bytes.append(UInt8(ascii: ":"))
        case .json:
            literal(#"{"time":"#)
            escaped(time)
            literal(#","level":"#)
            escaped(level)
            literal(#","message":"#)
            escaped(message)
            literal(#","source":"#)
            escaped(source)
            literal(#","label":"#)
            escaped(label)
        }
    }

    /// Keys written in JSON with a leading `_`: they would repeat the record's own.
    private static func isReserved(_ key: String) -> Bool {
        switch key {
        case "time", "level", "message", "source", "label": true
        default: false
        }
    }

    public mutating func field(_ key: String, _ value: String) {
        self.key(key)
        var value = value
        value.withUTF8 { raw in
            switch format {
            case .text: quotedIfNeeded(raw)
            case .json: escaped(raw)
            }
        }
    }

    /// A value known to need neither quotes nor escapes in either layout (a validated repository
    /// name, a digest, an address, a case's raw value): written as it is, without being scanned.
    /// Never for text a client or a file chose freely.
    public mutating func field(_ key: String, plain value: String) {
        self.key(key)
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
        bytes.append(contentsOf: value.utf8)
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
    }

    public mutating func field(_ key: String, _ value: Int64) {
        self.key(key)
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
        decimal(value)
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
    }

    /// `value` in hundredths, written as `W.FF` (milliseconds with two decimals, say).
    public mutating func field(_ key: String, hundredths value: Int64) {
        self.key(key)
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
        decimal(value / 100)
        bytes.append(UInt8(ascii: "."))
        let fraction = value % 100
        bytes.append(UInt8(ascii: "0") + UInt8(fraction / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        if format == .json { bytes.append(UInt8(ascii: "\"")) }
    }

    /// The record, closed, after what the buffer it was given held (`init(_:appendingTo:…)`).
    public consuming func finish(into buffer: inout [UInt8]) {
        close()
        swap(&bytes, &buffer)
    }

    /// The record, closed.
    public consuming func finished() -> [UInt8] {
        close()
        return bytes
    }

    private mutating func close() {
        switch format {
        case .text:
            literal(" [")
            bytes.append(contentsOf: source.utf8)
            literal("] ")
            var message = message
            message.withUTF8 { escape($0) }
        case .json:
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func key(_ key: String) {
        var key = key
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            key.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "="))
        case .json:
            literal(#","#)
            escaped(Self.isReserved(key) ? "_" + key : key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func decimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `"value"`, JSON-escaped.
    private mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { escaped($0) }
    }

    private mutating func escaped(_ raw: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        escape(raw)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Bare when nothing in it needs quoting (no space, quote, backslash or control byte, and not
    /// empty), else as `escaped` writes it.
    private mutating func quotedIfNeeded(_ raw: UnsafeBufferPointer<UInt8>) {
        for byte in raw where Self.needsQuotes(byte) {
            escaped(raw)
            return
        }
        if raw.isEmpty { escaped(raw) } else { bytes.append(contentsOf: raw) }
    }

    /// A value as the text layout writes it after `key=` (`LogLine.quoted`).
    static func textValue(_ value: String) -> String {
        var builder = LogLineBuilder(format: .text)
        var value = value
        value.withUTF8 { builder.quotedIfNeeded($0) }
        return String(decoding: builder.bytes, as: UTF8.self)
    }

    /// An empty builder, for writing a single value.
    private init(format: LogFormat) {
        self.format = format
        source = ""
        message = ""
        bytes = []
    }

    private static func needsQuotes(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte == 0x7F
    }

    /// JSON string escaping of UTF-8 bytes (multi-byte characters pass through as they are).
    private mutating func escape(_ raw: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in raw.indices {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start..<index]))
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): literal(#"\""#)
            case UInt8(ascii: "\\"): literal(#"\\"#)
            case UInt8(ascii: "\n"): literal(#"\n"#)
            case UInt8(ascii: "\r"): literal(#"\r"#)
            case UInt8(ascii: "\t"): literal(#"\t"#)
            default:
                literal(#"\u00"#)
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: raw[start...]))
    }
}
