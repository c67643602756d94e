import OCI

/// One log record as one line of text: `TIME LEVEL LABEL: KEY=VALUE … [SOURCE] MESSAGE`, the layout
/// of swift-log's stream handler, with metadata sorted by key. A value holding a space, a quote, a
/// backslash or a control character (or nothing at all) is quoted and escaped as a JSON string is
/// (`error="upstream hub answered 503"`), and the message is escaped the same way, so a record is
/// always one line, and a `key=value` reader (which splits at spaces, then at the first `=`) splits
/// it where it was meant to split. `json` writes the same record as one JSON object per line. Pure:
/// the handler supplies the time and writes the line.
public enum LogLine {
    public static func text(time: String, level: String, label: String, metadata: [String: String], source: String, message: String) -> String {
        var line = "\(time) \(level) \(label):"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoted(metadata[key] ?? ""))"
        }
        line += " [\(source)] \(jsonEscaped(message))"
        return line
    }

    /// The same record as one JSON object: `time`, `level`, `message`, `source` and `label` first,
    /// then the metadata by key, every value a string. A metadata key that is one of those five is
    /// written with a leading `_` (`_message`), so no field is ever written twice.
    public static func json(time: String, level: String, label: String, metadata: [String: String], source: String, message: String) -> String {
        var line = #"{"time":"\#(time)","level":"\#(level)","message":"\#(jsonEscaped(message))","source":"\#(jsonEscaped(source))","label":"\#(jsonEscaped(label))""#
        for key in metadata.keys.sorted() {
            let name = reservedKeys.contains(key) ? "_" + key : key
            line += #","\#(jsonEscaped(name))":"\#(jsonEscaped(metadata[key] ?? ""))""#
        }
        return line + "}"
    }

    private static let reservedKeys: Set<String> = ["time", "level", "message", "source", "label"]

    /// `value` as it is written after `key=`: bare when it needs no quotes, else in double quotes.
    public static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
        }
        return needsQuotes ? "\"\(jsonEscaped(value))\"" : value
    }
}
