/// One log record written straight into bytes, in the layout of `LogLine` (text or JSON): no
/// intermediate strings, numbers written digit by digit, values copied as they are unless they need
/// quoting or escaping. The access line of every request is built with it (the hot path's log
/// line), and `LogLine.render` too, so both layouts are decided here only.
///
/// A record is written by `write(_:…into:capacity:fields:)`: straight into the end of the caller's
/// buffer, grown by `capacity` zeroed bytes first and cut back to what was written after, by plain
/// stores (no array to grow, check for uniqueness or retain per field). Order: the head (time, level, label, and for JSON the message and
/// source), the fields in key order as `fields` gives them, then the close (text: ` [source]
/// message`; JSON: `}`). `capacity` bounds the record; bytes beyond it are dropped, never written
/// out of bounds (callers pass a bound their fields cannot exceed: `bound(…)`).
public struct LogLineBuilder {
    private let format: LogFormat
    /// The end of the caller's buffer, lent for the duration of `write`.
    private let region: UnsafeMutableBufferPointer<UInt8>
    private var count = 0

    /// Writes one record after what `buffer` holds.
    public static func write(_ format: LogFormat, time: String, level: String, label: String, source: String, message: String,
                             into buffer: inout [UInt8], capacity: Int, fields: (inout LogLineBuilder) -> Void) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: capacity))
        let written = buffer.withUnsafeMutableBufferPointer { all in
            var line = LogLineBuilder(format: format, region: UnsafeMutableBufferPointer(rebasing: all[start...]))
            line.head(time: time, level: level, label: label, source: source, message: message)
            fields(&line)
            line.close(source: source, message: message)
            return line.count
        }
        buffer.removeLast(capacity - written)
    }

    /// The most bytes a record of these texts can take: for `capacity`. `fieldBytes`: the total of
    /// the keys and of the values that may need escaping; `plainBytes`: of the values written as they
    /// are (`field(_:plain:)`, numbers at 20 each).
    public static func bound(time: String, level: String, label: String, source: String, message: String, fieldCount: Int,
                             fieldBytes: Int, plainBytes: Int = 0) -> Int {
        let texts = time.utf8.count + level.utf8.count + label.utf8.count + source.utf8.count + message.utf8.count + fieldBytes
        return 6 * texts + plainBytes + 8 * fieldCount + 96  // `\u00XX` is 6 bytes for 1; quotes, separators and keys' `_`
    }

    private init(format: LogFormat, region: UnsafeMutableBufferPointer<UInt8>) {
        self.format = format
        self.region = region
    }

    private mutating func head(time: String, level: String, label: String, source: String, message: String) {
        switch format {
        case .text:
            put(time)
            put(UInt8(ascii: " "))
            put(level)
            put(UInt8(ascii: " "))
            put(label)
            put(UInt8(ascii: ":"))
        case .json:
            put(#"{"time":"#)
            escaped(time)
            put(#","level":"#)
            escaped(level)
            put(#","message":"#)
            escaped(message)
            put(#","source":"#)
            escaped(source)
            put(#","label":"#)
            escaped(label)
        }
    }

    private mutating func close(source: String, message: String) {
        switch format {
        case .text:
            put(" [")
            put(source)
            put("] ")
            var message = message
            message.withUTF8 { escape($0) }
        case .json:
            put(UInt8(ascii: "}"))
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
        if format == .json { put(UInt8(ascii: "\"")) }
        put(value)
        if format == .json { put(UInt8(ascii: "\"")) }
    }

    public mutating func field(_ key: String, _ value: Int64) {
        self.key(key)
        if format == .json { put(UInt8(ascii: "\"")) }
        decimal(value)
        if format == .json { put(UInt8(ascii: "\"")) }
    }

    /// `value` in hundredths, written as `W.FF` (milliseconds with two decimals, say).
    public mutating func field(_ key: String, hundredths value: Int64) {
        self.key(key)
        if format == .json { put(UInt8(ascii: "\"")) }
        decimal(value / 100)
        put(UInt8(ascii: "."))
        let fraction = (value % 100).magnitude
        put(UInt8(ascii: "0") + UInt8(fraction / 10))
        put(UInt8(ascii: "0") + UInt8(fraction % 10))
        if format == .json { put(UInt8(ascii: "\"")) }
    }

    private mutating func key(_ key: String) {
        switch format {
        case .text:
            put(UInt8(ascii: " "))
            put(key)
            put(UInt8(ascii: "="))
        case .json:
            put(UInt8(ascii: ","))
            if Self.isReserved(key) {
                put(#""_"#)
                put(key)
                put(UInt8(ascii: "\""))
            } else {
                escaped(key)
            }
            put(UInt8(ascii: ":"))
        }
    }

    // MARK: Stores into the region, dropping what does not fit.

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        guard count < region.count else { return }
        region[count] = byte
        count += 1
    }

    @inline(__always)
    private mutating func put(_ raw: UnsafeBufferPointer<UInt8>) {
        let length = min(raw.count, region.count - count)
        guard length > 0, let source = raw.baseAddress, let target = region.baseAddress else { return }
        (target + count).update(from: source, count: length)
        count += length
    }

    private mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put($0) }
    }

    private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    private mutating func decimal(_ value: Int64) {
        if value < 0 { put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - length] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                length += 1
            } while magnitude > 0
            put(UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[(20 - length)...]))
        }
    }

    /// `"value"`, JSON-escaped.
    private mutating func escaped(_ value: String) {
        var value = value
        value.withUTF8 { escaped($0) }
    }

    private mutating func escaped(_ raw: UnsafeBufferPointer<UInt8>) {
        put(UInt8(ascii: "\""))
        escape(raw)
        put(UInt8(ascii: "\""))
    }

    /// Bare when nothing in it needs quoting (no space, quote, backslash or control byte, and not
    /// empty), else as `escaped` writes it.
    private mutating func quotedIfNeeded(_ raw: UnsafeBufferPointer<UInt8>) {
        if raw.isEmpty || raw.contains(where: Self.needsQuotes) { escaped(raw) } else { put(raw) }
    }

    /// A value as the text layout writes it after `key=` (`LogLine.quoted`).
    static func textValue(_ value: String) -> String {
        let bytes = [UInt8](unsafeUninitializedCapacity: 6 * value.utf8.count + 2) { region, count in
            var builder = LogLineBuilder(format: .text, region: region)
            var value = value
            value.withUTF8 { builder.quotedIfNeeded($0) }
            count = builder.count
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private static func needsQuotes(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte == 0x7F
    }

    private static let hex: StaticString = "0123456789abcdef"

    /// JSON string escaping of UTF-8 bytes (multi-byte characters pass through as they are).
    private mutating func escape(_ raw: UnsafeBufferPointer<UInt8>) {
        var start = 0
        for index in raw.indices {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
            put(UnsafeBufferPointer(rebasing: raw[start..<index]))
            start = index + 1
            switch byte {
            case UInt8(ascii: "\""): put(#"\""#)
            case UInt8(ascii: "\\"): put(#"\\"#)
            case UInt8(ascii: "\n"): put(#"\n"#)
            case UInt8(ascii: "\r"): put(#"\r"#)
            case UInt8(ascii: "\t"): put(#"\t"#)
            default:
                put(#"\u00"#)
                Self.hex.withUTF8Buffer { digits in
                    put(digits[Int(byte >> 4)])
                    put(digits[Int(byte & 0xF)])
                }
            }
        }
        put(UnsafeBufferPointer(rebasing: raw[start...]))
    }
}
